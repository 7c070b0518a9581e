#pragma once
// Tenants: the appliance has exactly one, the default tenant.
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

inline constexpr std::int64_t kDefaultTenant = 1;

// Creates the default tenant on first start with domain; when update_domain, keeps its domain in
// step with the configured hostname (the server does; CLI commands only read it).
void ensure_default_tenant(Database& db, const std::string& domain, bool update_domain = true);

struct TenantRecord {
  std::int64_t id = 0;
  std::string name;
  std::string domain;  // the SIP domain and digest realm of its extensions
};
std::vector<TenantRecord> list_tenants(Database& db);

}  // namespace lockline::store
