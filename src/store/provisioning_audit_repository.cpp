#include "store/provisioning_audit_repository.hpp"

#include <algorithm>
#include <map>

namespace lockline::store {

void ProvisioningAuditRepository::append(const std::vector<ProvisioningAuditRecord>& records) {
  if (records.empty()) return;
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    auto insert = db_.prepare(
        "INSERT INTO provisioning_audit (at, source, secure, mac, certificate_subject, "
        "certificate_serial, file, status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    for (const auto& r : records) {
      insert.reset();
      insert.bind(1, r.at)
          .bind(2, r.source)
          .bind(3, std::int64_t{r.secure})
          .bind(4, r.mac)
          .bind(5, r.certificate_subject)
          .bind(6, r.certificate_serial)
          .bind(7, r.file)
          .bind(8, r.status)
          .bind(9, r.reason)
          .run();
    }
    db_.prepare(
           "DELETE FROM provisioning_audit WHERE id <= (SELECT MAX(id) FROM provisioning_audit) - "
           "?1")
        .bind(1, kKeep)
        .run();
    // The handsets served: their time of last fetch, once per handset.
    std::map<std::string, std::int64_t> served;
    for (const auto& r : records) {
      if (r.status == 200 && !r.mac.empty()) served[r.mac] = std::max(served[r.mac], r.at);
    }
    auto fetched = db_.prepare("UPDATE handsets SET last_fetch_at = ?2 WHERE mac = ?1");
    for (const auto& [mac, at] : served) {
      fetched.reset();
      fetched.bind(1, mac).bind(2, at).run();
    }
  });
}

std::vector<ProvisioningAuditRecord> ProvisioningAuditRepository::latest(std::int64_t limit) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT id, at, source, secure, mac, certificate_subject, certificate_serial, file, status, "
      "reason FROM (SELECT * FROM provisioning_audit ORDER BY id DESC LIMIT ?1) ORDER BY id");
  statement.bind(1, limit);
  std::vector<ProvisioningAuditRecord> result;
  while (statement.step()) {
    result.push_back({statement.integer(0), statement.integer(1), statement.text(2),
                      statement.integer(3) != 0, statement.text(4), statement.text(5),
                      statement.text(6), statement.text(7), statement.integer(8),
                      statement.text(9)});
  }
  return result;
}

}  // namespace lockline::store
