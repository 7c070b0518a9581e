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

}  // namespace lockline::store
