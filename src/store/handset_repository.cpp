#include "store/handset_repository.hpp"

namespace lockline::store {

namespace {

constexpr std::string_view kColumns =
    "mac, tenant_id, manufacturer, model, extension, certificate_fingerprint, created_at, "
    "last_fetch_at";

HandsetRecord read_handset(const Statement& row) {
  return {row.text(0), row.integer(1), row.text(2),    row.text(3),
          row.text(4), row.text(5),    row.integer(6), row.integer(7)};
}

}  // namespace

bool HandsetRepository::add(const HandsetRecord& h) {
  auto lock = db_.lock();
  auto exists = db_.prepare("SELECT 1 FROM handsets WHERE mac = ?1");
  exists.bind(1, h.mac);
  if (exists.step()) return false;
  db_.prepare(
         "INSERT INTO handsets (mac, tenant_id, manufacturer, model, extension, created_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
      .bind(1, h.mac)
      .bind(2, h.tenant_id)
      .bind(3, h.manufacturer)
      .bind(4, h.model)
      .bind(5, h.extension)
      .bind(6, unix_now())
      .run();
  return true;
}

bool HandsetRepository::remove(const std::string& mac) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM handsets WHERE mac = ?1").bind(1, mac).run();
  return db_.changes() > 0;
}

std::optional<HandsetRecord> HandsetRepository::find(const std::string& mac) {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT " + std::string(kColumns) + " FROM handsets WHERE mac = ?1");
  statement.bind(1, mac);
  if (!statement.step()) return std::nullopt;
  return read_handset(statement);
}

std::vector<HandsetRecord> HandsetRepository::list(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT " + std::string(kColumns) +
                               " FROM handsets WHERE tenant_id = ?1 ORDER BY mac");
  statement.bind(1, tenant_id);
  std::vector<HandsetRecord> result;
  while (statement.step()) result.push_back(read_handset(statement));
  return result;
}

std::string HandsetRepository::pin_certificate(const std::string& mac,
                                               const std::string& fingerprint) {
  auto lock = db_.lock();
  // One statement: two fetches racing for the first pin cannot both win.
  db_.prepare(
         "UPDATE handsets SET certificate_fingerprint = ?2 WHERE mac = ?1 AND "
         "certificate_fingerprint = ''")
      .bind(1, mac)
      .bind(2, fingerprint)
      .run();
  auto statement = db_.prepare("SELECT certificate_fingerprint FROM handsets WHERE mac = ?1");
  statement.bind(1, mac);
  return statement.step() ? statement.text(0) : std::string();
}

bool HandsetRepository::reset_trust(const std::string& mac) {
  auto lock = db_.lock();
  db_.prepare("UPDATE handsets SET certificate_fingerprint = '' WHERE mac = ?1").bind(1, mac).run();
  return db_.changes() > 0;
}

void HandsetRepository::record_fetch(const std::string& mac, std::int64_t at) {
  auto lock = db_.lock();
  db_.prepare("UPDATE handsets SET last_fetch_at = ?2 WHERE mac = ?1")
      .bind(1, mac)
      .bind(2, at)
      .run();
}

std::int64_t HandsetRepository::revision() {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT value FROM revisions WHERE name = 'handsets'");
  return statement.step() ? statement.integer(0) : 0;
}

}  // namespace lockline::store
