#pragma once
// The accounts SIP requests authenticate against, in memory: every tenant's domain and its
// extensions' HA1s. Rebuilt from the store when an extension changes (a revision counter moves)
// and swapped in whole, so lookups on the I/O threads take no lock and touch no disk.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/secret_box.hpp"
#include "core/snapshot.hpp"
#include "store/database.hpp"

namespace lockline::pbx {

struct Account {
  std::string display_name;
  std::string ha1_md5;     // hex, for the tenant's domain as realm
  std::string ha1_sha256;  // hex
};

struct TenantAccounts {
  std::int64_t id = 0;
  std::string domain;
  std::unordered_map<std::string, Account> accounts;  // by extension number
};

struct DirectoryData {
  std::vector<TenantAccounts> tenants;
  // The tenant a request's domain names. With one tenant (the appliance) that tenant, whatever
  // the domain: phones are often set up with the server's address rather than its name.
  const TenantAccounts* tenant_for(std::string_view domain) const;
};

class Directory {
 public:
  Directory(store::Database& db, const SecretBox& box) : db_(db), box_(box) {}

  // Rebuilds when the store changed since the last call (a cheap query when it did not). Call
  // from a thread that may block.
  void refresh();
  std::shared_ptr<const DirectoryData> get() const { return data_.get(); }

 private:
  store::Database& db_;
  const SecretBox& box_;
  std::int64_t revision_ = -1;
  std::string domains_;  // the tenants' domains the current data was built for
  Snapshot<DirectoryData> data_{std::make_shared<const DirectoryData>()};
};

}  // namespace lockline::pbx
