#include "store/tenant_repository.hpp"

namespace lockline::store {

void ensure_default_tenant(Database& db, const std::string& domain, bool update_domain) {
  auto lock = db.lock();
  db.prepare(update_domain ? "INSERT INTO tenants (id, name, domain, created_at) "
                             "VALUES (?1, 'default', ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
                             "domain = excluded.domain WHERE domain <> excluded.domain"
                           : "INSERT INTO tenants (id, name, domain, created_at) "
                             "VALUES (?1, 'default', ?2, ?3) ON CONFLICT (id) DO NOTHING")
      .bind(1, kDefaultTenant)
      .bind(2, domain)
      .bind(3, unix_now())
      .run();
}

std::vector<TenantRecord> list_tenants(Database& db) {
  auto lock = db.lock();
  auto statement = db.prepare("SELECT id, name, domain FROM tenants ORDER BY id");
  std::vector<TenantRecord> result;
  while (statement.step()) {
    result.push_back({statement.integer(0), statement.text(1), statement.text(2)});
  }
  return result;
}

}  // namespace lockline::store
