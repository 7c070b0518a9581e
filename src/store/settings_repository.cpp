#include "store/settings_repository.hpp"

namespace lockline::store {

std::map<std::string, std::string> SettingsRepository::load(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT key, value FROM settings WHERE tenant_id = ?1");
  statement.bind(1, tenant_id);
  std::map<std::string, std::string> values;
  while (statement.step()) values.emplace(statement.text(0), statement.text(1));
  return values;
}

void SettingsRepository::store(std::int64_t tenant_id,
                               const std::map<std::string, std::string>& values) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    auto upsert = db_.prepare(
        "INSERT INTO settings (tenant_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at");
    for (const auto& [key, value] : values) {
      upsert.bind(1, tenant_id).bind(2, key).bind(3, value).bind(4, unix_now()).run();
      upsert.reset();
    }
  });
}

}  // namespace lockline::store
