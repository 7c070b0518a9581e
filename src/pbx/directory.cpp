#include "pbx/directory.hpp"

#include <spdlog/spdlog.h>

#include "pbx/extension_service.hpp"
#include "store/extension_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::pbx {

const TenantAccounts* DirectoryData::tenant_for(std::string_view domain) const {
  if (tenants.size() == 1) return &tenants.front();
  for (const auto& tenant : tenants) {
    if (tenant.domain.size() == domain.size() &&
        std::equal(domain.begin(), domain.end(), tenant.domain.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return &tenant;
    }
  }
  return nullptr;
}

void Directory::refresh() {
  store::ExtensionRepository repository(db_);
  const auto revision = repository.revision();
  const auto tenants = store::list_tenants(db_);
  std::string domains;
  for (const auto& tenant : tenants) domains += tenant.domain + '\n';
  if (revision == revision_ && domains == domains_) return;

  auto data = std::make_shared<DirectoryData>();
  for (const auto& tenant : tenants) data->tenants.push_back({tenant.id, tenant.domain, {}});
  for (auto& record : repository.list()) {
    auto tenant = std::find_if(data->tenants.begin(), data->tenants.end(),
                               [&](const auto& t) { return t.id == record.tenant_id; });
    if (tenant == data->tenants.end()) continue;
    // HA1 binds the realm: after a change of domain, derive it anew from the sealed password.
    if (record.ha1_realm != tenant->domain) {
      const auto password = box_.open(record.password_sealed);
      if (!password) {
        spdlog::error("extension {}: its password cannot be unsealed with this data dir's key",
                      record.number);
        continue;
      }
      set_digest_secrets(record, tenant->domain, *password);
    }
    tenant->accounts.emplace(record.number,
                             Account{std::move(record.display_name), std::move(record.ha1_md5),
                                     std::move(record.ha1_sha256)});
  }
  std::size_t count = 0;
  for (const auto& tenant : data->tenants) count += tenant.accounts.size();
  spdlog::info("SIP directory: {} extension(s)", count);
  data_.publish(std::move(data));
  revision_ = revision;
  domains_ = std::move(domains);
}

}  // namespace lockline::pbx
