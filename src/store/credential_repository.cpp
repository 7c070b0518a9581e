#include "store/credential_repository.hpp"

namespace lockline::store {

bool CredentialRepository::has_admin(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement = db_.prepare("SELECT 1 FROM admin_users WHERE tenant_id = ?1 LIMIT 1");
  statement.bind(1, tenant_id);
  return statement.step();
}

std::optional<AdminUser> CredentialRepository::find_admin(std::int64_t tenant_id,
                                                          const std::string& username) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT id, tenant_id, username, password_hash FROM admin_users "
      "WHERE tenant_id = ?1 AND username = ?2");
  statement.bind(1, tenant_id).bind(2, username);
  if (!statement.step()) return std::nullopt;
  return AdminUser{statement.integer(0), statement.integer(1), statement.text(2),
                   statement.text(3)};
}

void CredentialRepository::set_admin_password(std::int64_t tenant_id, const std::string& username,
                                              const std::string& password_hash) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    db_.prepare(
           "INSERT INTO admin_users (tenant_id, username, password_hash, created_at) "
           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, username) "
           "DO UPDATE SET password_hash = excluded.password_hash")
        .bind(1, tenant_id)
        .bind(2, username)
        .bind(3, password_hash)
        .bind(4, unix_now())
        .run();
    db_.prepare(
           "DELETE FROM admin_sessions WHERE user_id IN "
           "(SELECT id FROM admin_users WHERE tenant_id = ?1 AND username = ?2)")
        .bind(1, tenant_id)
        .bind(2, username)
        .run();
  });
}

void CredentialRepository::create_session(const std::string& token_hash, std::int64_t user_id,
                                          const std::string& csrf_token, std::int64_t expires_at) {
  auto lock = db_.lock();
  in_transaction(db_, [&] {
    db_.prepare("DELETE FROM admin_sessions WHERE expires_at <= ?1").bind(1, unix_now()).run();
    db_.prepare(
           "INSERT INTO admin_sessions (token_hash, user_id, csrf_token, expires_at) "
           "VALUES (?1, ?2, ?3, ?4)")
        .bind(1, token_hash)
        .bind(2, user_id)
        .bind(3, csrf_token)
        .bind(4, expires_at)
        .run();
  });
}

std::optional<AdminSession> CredentialRepository::find_session(const std::string& token_hash,
                                                               std::int64_t now) {
  auto lock = db_.lock();
  auto statement = db_.prepare(
      "SELECT user_id, csrf_token, expires_at FROM admin_sessions "
      "WHERE token_hash = ?1 AND expires_at > ?2");
  statement.bind(1, token_hash).bind(2, now);
  if (!statement.step()) return std::nullopt;
  return AdminSession{statement.integer(0), statement.text(1), statement.integer(2)};
}

void CredentialRepository::delete_session(const std::string& token_hash) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM admin_sessions WHERE token_hash = ?1").bind(1, token_hash).run();
}

std::int64_t CredentialRepository::create_token(std::int64_t tenant_id, const std::string& name,
                                                const std::string& token_hash) {
  auto lock = db_.lock();
  db_.prepare(
         "INSERT INTO api_tokens (tenant_id, name, token_hash, created_at) "
         "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, tenant_id)
      .bind(2, name)
      .bind(3, token_hash)
      .bind(4, unix_now())
      .run();
  return db_.last_insert_id();
}

namespace {
ApiToken read_token(const Statement& s) {
  ApiToken token{s.integer(0), s.integer(1), s.text(2), s.integer(3), std::nullopt};
  if (!s.is_null(4)) token.last_used_at = s.integer(4);
  return token;
}
constexpr const char* kTokenColumns = "SELECT id, tenant_id, name, created_at, last_used_at ";
}  // namespace

std::optional<ApiToken> CredentialRepository::find_token(const std::string& token_hash) {
  auto lock = db_.lock();
  auto statement =
      db_.prepare(std::string(kTokenColumns) + "FROM api_tokens WHERE token_hash = ?1");
  statement.bind(1, token_hash);
  if (!statement.step()) return std::nullopt;
  return read_token(statement);
}

std::vector<ApiToken> CredentialRepository::list_tokens(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto statement =
      db_.prepare(std::string(kTokenColumns) + "FROM api_tokens WHERE tenant_id = ?1 ORDER BY id");
  statement.bind(1, tenant_id);
  std::vector<ApiToken> tokens;
  while (statement.step()) tokens.push_back(read_token(statement));
  return tokens;
}

bool CredentialRepository::revoke_token(std::int64_t tenant_id, std::int64_t id) {
  auto lock = db_.lock();
  db_.prepare("DELETE FROM api_tokens WHERE tenant_id = ?1 AND id = ?2")
      .bind(1, tenant_id)
      .bind(2, id)
      .run();
  return db_.changes() > 0;
}

}  // namespace lockline::store
