#pragma once
// Admin authentication: a password login that opens a browser session (cookie + CSRF token),
// and API tokens for scripts. Only hashes of secrets are stored; comparisons of secrets are
// constant-time.
#include <cstdint>
#include <optional>
#include <string>

#include "admin/login_throttle.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "store/database.hpp"

namespace lockline::admin {

inline constexpr const char* kSessionCookie = "lockline_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";
inline constexpr const char* kAdminUser = "admin";

struct LoginResult {
  std::string session_token;
  std::string csrf_token;
  std::int64_t max_age = 0;
};

struct Principal {
  std::int64_t tenant_id = 0;
  std::string name;  // "admin" or "token:<name>"
};

class AdminAuth {
 public:
  explicit AdminAuth(store::Database& db) : db_(db) {}

  // First start: creates the admin user and returns its generated password, once.
  std::optional<std::string> ensure_admin();
  std::string reset_admin_password();

  // Slow on purpose (Argon2id): call it off the I/O threads.
  Result<LoginResult> login(const std::string& username, const std::string& password,
                            const std::string& remote_address);
  void logout(const http::Request& request);
  // A bearer token, or a session cookie (plus the CSRF header for state-changing methods).
  Result<Principal> authenticate(const http::Request& request);

  std::string create_token(const std::string& name);

 private:
  store::Database& db_;
  LoginThrottle throttle_;
};

}  // namespace lockline::admin
