#pragma once
// Admin users (Argon2id hashes), browser sessions and API tokens. Session and API tokens are
// 256-bit random values: only their SHA-256 is stored, so the table leaks nothing usable.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct AdminUser {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string username;
  std::string password_hash;
};

struct AdminSession {
  std::int64_t user_id = 0;
  std::string csrf_token;
  std::int64_t expires_at = 0;
};

struct ApiToken {
  std::int64_t id = 0;
  std::int64_t tenant_id = 0;
  std::string name;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
};

class CredentialRepository {
 public:
  explicit CredentialRepository(Database& db) : db_(db) {}

  bool has_admin(std::int64_t tenant_id);
  std::optional<AdminUser> find_admin(std::int64_t tenant_id, const std::string& username);
  // Creates the user or replaces its password hash; ends its sessions when replaced.
  void set_admin_password(std::int64_t tenant_id, const std::string& username,
                          const std::string& password_hash);

  void create_session(const std::string& token_hash, std::int64_t user_id,
                      const std::string& csrf_token, std::int64_t expires_at);
  std::optional<AdminSession> find_session(const std::string& token_hash, std::int64_t now);
  void delete_session(const std::string& token_hash);

  std::int64_t create_token(std::int64_t tenant_id, const std::string& name,
                            const std::string& token_hash);
  std::optional<ApiToken> find_token(const std::string& token_hash);
  std::vector<ApiToken> list_tokens(std::int64_t tenant_id);
  bool revoke_token(std::int64_t tenant_id, std::int64_t id);

 private:
  Database& db_;
};

}  // namespace lockline::store
