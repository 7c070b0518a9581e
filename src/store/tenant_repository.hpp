#pragma once
// Tenants: the appliance has exactly one, the default tenant.
#include <cstdint>
#include <string>

#include "store/database.hpp"

namespace lockline::store {

inline constexpr std::int64_t kDefaultTenant = 1;

// Creates the default tenant on first start; keeps its domain in step with the hostname.
void ensure_default_tenant(Database& db, const std::string& domain);

}  // namespace lockline::store
