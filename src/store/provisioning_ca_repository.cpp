#include "store/provisioning_ca_repository.hpp"

namespace lockline::store {

namespace {

bool insert_ca(Database& db, ProvisioningCaRecord& ca, std::int64_t* existing) {
  auto exists = db.prepare("SELECT id FROM provisioning_cas WHERE fingerprint = ?1");
  exists.bind(1, ca.fingerprint);
  if (exists.step()) {
    if (existing) *existing = exists.integer(0);
    return false;
  }
  ca.created_at = unix_now();
  db.prepare(
        "INSERT INTO provisioning_cas (manufacturer, fingerprint, subject, not_after, pem, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
      .bind(1, ca.manufacturer)
      .bind(2, ca.fingerprint)
      .bind(3, ca.subject)
      .bind(4, ca.not_after)
      .bind(5, ca.pem)
      .bind(6, ca.created_at)
      .run();
  ca.id = db.last_insert_id();
  return true;
}

struct Refused {};

}  // namespace

bool ProvisioningCaRepository::add(ProvisioningCaRecord& ca, std::int64_t* existing) {
  auto lock = db_.lock();
  return insert_ca(db_, ca, existing);
}

bool ProvisioningCaRepository::add_all(std::vector<ProvisioningCaRecord>& cas,
                                       std::int64_t* existing) {
  auto lock = db_.lock();
  try {
    in_transaction(db_, [&] {
      for (auto& ca : cas) {
        if (!insert_ca(db_, ca, existing)) throw Refused{};  // rolls back the ones before
      }
    });
  } catch (const Refused&) {
    return false;
  }
  return true;
}

bool ProvisioningCaRepository::remove(std::int64_t id) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM provisioning_cas WHERE id = ?1").bind(1, id).run();
  return db_.changes() > 0;
}

std::vector<ProvisioningCaRecord> ProvisioningCaRepository::list() {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT id, manufacturer, fingerprint, subject, not_after, pem, created_at "
      "FROM provisioning_cas ORDER BY id");
  std::vector<ProvisioningCaRecord> result;
  while (statement.step()) {
    result.push_back({statement.integer(0), statement.text(1), statement.text(2), statement.text(3),
                      statement.text(4), statement.text(5), statement.integer(6)});
  }
  return result;
}

std::int64_t ProvisioningCaRepository::revision() {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT value FROM revisions WHERE name = 'provisioning_cas'");
  return statement.step() ? statement.integer(0) : 0;
}

}  // namespace lockline::store
