#include "store/certificate_repository.hpp"

namespace lockline::store {

std::vector<StoredCertificate> CertificateRepository::active(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT id, source, chain_pem, key_pem, created_at FROM certificates "
      "WHERE tenant_id = ?1 AND active = 1 ORDER BY id");
  statement.bind(1, tenant_id);
  std::vector<StoredCertificate> set;
  while (statement.step()) {
    set.push_back({statement.integer(0), statement.text(1), statement.text(2), statement.text(3),
                   statement.integer(4)});
  }
  return set;
}

void CertificateRepository::replace_active(std::int64_t tenant_id,
                                           const std::vector<StoredCertificate>& set) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    db_.prepare("UPDATE certificates SET active = 0 WHERE tenant_id = ?1 AND active = 1")
        .bind(1, tenant_id)
        .run();
    auto insert = db_.prepare(
        "INSERT INTO certificates (tenant_id, source, chain_pem, key_pem, active, created_at) "
        "VALUES (?1, ?2, ?3, ?4, 1, ?5)");
    for (const auto& certificate : set) {
      insert.bind(1, tenant_id)
          .bind(2, certificate.source)
          .bind(3, certificate.chain_pem)
          .bind(4, certificate.key_pem)
          .bind(5, unix_now())
          .run();
      insert.reset();
    }
  });
}

bool CertificateRepository::reactivate_latest_except(std::int64_t tenant_id,
                                                     const std::string& source) {
  auto lock = db_.lock();
  return in_transaction(db_, [&] {
    auto latest = db_.prepare(
        "SELECT created_at FROM certificates WHERE tenant_id = ?1 AND source != ?2 "
        "ORDER BY id DESC LIMIT 1");
    latest.bind(1, tenant_id).bind(2, source);
    if (!latest.step()) return false;
    const auto created_at = latest.integer(0);
    db_.prepare(
           "UPDATE certificates SET active = (source != ?2 AND created_at = ?3) "
           "WHERE tenant_id = ?1")
        .bind(1, tenant_id)
        .bind(2, source)
        .bind(3, created_at)
        .run();
    return true;
  });
}

}  // namespace lockline::store
