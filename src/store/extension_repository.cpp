#include "store/extension_repository.hpp"

namespace lockline::store {

namespace {

constexpr std::string_view kExtensionColumns =
    "tenant_id, number, display_name, password_sealed, ha1_realm, ha1_md5, ha1_sha256";

ExtensionRecord read_extension(const Statement& row) {
  return {row.integer(0), row.text(1), row.text(2), row.text(3),
          row.text(4),    row.text(5), row.text(6)};
}

}  // namespace

bool ExtensionRepository::add(const std::vector<ExtensionRecord>& extensions,
                              std::string* existing) {
  auto lock = db_.lock();
  return in_transaction(db_, [&] {
    auto exists = db_.prepare("SELECT 1 FROM extensions WHERE tenant_id = ?1 AND number = ?2");
    auto insert = db_.prepare(
        "INSERT INTO extensions (tenant_id, number, display_name, password_sealed, ha1_realm, "
        "ha1_md5, ha1_sha256, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    // Checked before the first insert, so a refusal leaves nothing behind.
    for (const auto& e : extensions) {
      exists.reset();
      exists.bind(1, e.tenant_id).bind(2, e.number);
      if (exists.step()) {
        if (existing) *existing = e.number;
        return false;
      }
    }
    const auto now = unix_now();
    for (const auto& e : extensions) {
      insert.reset();
      insert.bind(1, e.tenant_id)
          .bind(2, e.number)
          .bind(3, e.display_name)
          .bind(4, e.password_sealed)
          .bind(5, e.ha1_realm)
          .bind(6, e.ha1_md5)
          .bind(7, e.ha1_sha256)
          .bind(8, now)
          .run();
    }
    return true;
  });
}

bool ExtensionRepository::update_secret(const ExtensionRecord& e) {
  auto lock = db_.lock();
  db_.prepare(
         "UPDATE extensions SET password_sealed = ?3, ha1_realm = ?4, ha1_md5 = ?5, "
         "ha1_sha256 = ?6, updated_at = ?7 WHERE tenant_id = ?1 AND number = ?2")
      .bind(1, e.tenant_id)
      .bind(2, e.number)
      .bind(3, e.password_sealed)
      .bind(4, e.ha1_realm)
      .bind(5, e.ha1_md5)
      .bind(6, e.ha1_sha256)
      .bind(7, unix_now())
      .run();
  return db_.changes() > 0;
}

bool ExtensionRepository::remove(std::int64_t tenant_id, const std::string& number) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM extensions WHERE tenant_id = ?1 AND number = ?2")
      .bind(1, tenant_id)
      .bind(2, number)
      .run();
  return db_.changes() > 0;
}

std::optional<ExtensionRecord> ExtensionRepository::find(std::int64_t tenant_id,
                                                         const std::string& number) {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT " + std::string(kExtensionColumns) +
                               " FROM extensions WHERE tenant_id = ?1 AND number = ?2");
  statement.bind(1, tenant_id).bind(2, number);
  if (!statement.step()) return std::nullopt;
  return read_extension(statement);
}

std::vector<ExtensionRecord> ExtensionRepository::list(std::optional<std::int64_t> tenant_id) {
  auto lock = db_.lock();
  auto statement =
      db_.prepare("SELECT " + std::string(kExtensionColumns) +
                  " FROM extensions WHERE ?1 IS NULL OR tenant_id = ?1 ORDER BY tenant_id, "
                  "length(number), number");
  if (tenant_id) {
    statement.bind(1, *tenant_id);
  } else {
    statement.bind_null(1);
  }
  std::vector<ExtensionRecord> result;
  while (statement.step()) result.push_back(read_extension(statement));
  return result;
}

std::int64_t ExtensionRepository::revision() {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT value FROM revisions WHERE name = 'extensions'");
  return statement.step() ? statement.integer(0) : 0;
}

void ExtensionRepository::replace_bindings(
    const std::vector<std::pair<std::int64_t, std::string>>& extensions,
    const std::vector<BindingRecord>& bindings, const std::vector<BindingRecord>& refreshed) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    auto erase = db_.prepare("DELETE FROM sip_bindings WHERE tenant_id = ?1 AND extension = ?2");
    for (const auto& [tenant_id, number] : extensions) {
      erase.reset();
      erase.bind(1, tenant_id).bind(2, number).run();
    }
    // Only for extensions that still exist: one removed meanwhile takes its bindings with it.
    auto insert = db_.prepare(
        "INSERT OR REPLACE INTO sip_bindings (tenant_id, extension, contact, transport, source, "
        "user_agent, call_id, cseq, expires_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 "
        "WHERE EXISTS (SELECT 1 FROM extensions WHERE tenant_id = ?1 AND number = ?2)");
    const auto bind_all = [](Statement& statement, const BindingRecord& b) -> Statement& {
      statement.reset();
      return statement.bind(1, b.tenant_id)
          .bind(2, b.extension)
          .bind(3, b.contact)
          .bind(4, b.transport)
          .bind(5, b.source)
          .bind(6, b.user_agent)
          .bind(7, b.call_id)
          .bind(8, b.cseq)
          .bind(9, b.expires_at);
    };
    for (const auto& b : bindings) bind_all(insert, b).run();
    // A refresh changes no key: updating the row in place touches one page, where deleting and
    // inserting it rewrote the table and its key index.
    auto update = db_.prepare(
        "UPDATE sip_bindings SET transport = ?4, source = ?5, user_agent = ?6, call_id = ?7, "
        "cseq = ?8, expires_at = ?9 WHERE tenant_id = ?1 AND extension = ?2 AND contact = ?3");
    for (const auto& b : refreshed) {
      bind_all(update, b).run();
      if (db_.changes() == 0) bind_all(insert, b).run();
    }
  });
}

std::vector<BindingRecord> ExtensionRepository::bindings(std::int64_t now) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT tenant_id, extension, contact, transport, source, user_agent, call_id, cseq, "
      "expires_at FROM sip_bindings WHERE expires_at > ?1 "
      "ORDER BY tenant_id, length(extension), extension, contact");
  statement.bind(1, now);
  std::vector<BindingRecord> result;
  while (statement.step()) {
    result.push_back({statement.integer(0), statement.text(1), statement.text(2), statement.text(3),
                      statement.text(4), statement.text(5), statement.text(6), statement.integer(7),
                      statement.integer(8)});
  }
  return result;
}

void ExtensionRepository::delete_expired_bindings(std::int64_t now) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM sip_bindings WHERE expires_at <= ?1").bind(1, now).run();
}

}  // namespace lockline::store
