#include "admin/admin_auth.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "admin/password_hash.hpp"
#include "core/crypto_random.hpp"
#include "http/cookie.hpp"
#include "store/credential_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::admin {

namespace {

constexpr std::int64_t kSessionSeconds = 8 * 3600;
constexpr std::string_view kTokenPrefix = "llt_";

// Spent on unknown users too, so that timing does not tell which usernames exist.
const std::string& dummy_hash() {
  static const std::string hash = hash_password(generate_password());
  return hash;
}

bool is_safe_method(http::Verb method) {
  return method == http::Verb::get || method == http::Verb::head || method == http::Verb::options;
}

}  // namespace

std::optional<std::string> AdminAuth::ensure_admin() {
  store::CredentialRepository repository(db_);
  if (repository.has_admin(store::kDefaultTenant)) return std::nullopt;
  return reset_admin_password();
}

std::string AdminAuth::reset_admin_password() {
  std::string password = generate_password();
  store::CredentialRepository(db_).set_admin_password(store::kDefaultTenant, kAdminUser,
                                                      hash_password(password));
  return password;
}

Result<LoginResult> AdminAuth::login(const std::string& username, const std::string& password,
                                     const std::string& remote_address) {
  const auto now = LoginThrottle::Clock::now();
  if (const auto wait = throttle_.blocked_for(remote_address, now)) {
    auto error = make_error("too many failed logins from this address; retry in " +
                                std::to_string(wait->count()) + " s",
                            {}, ErrorKind::throttled);
    error.retry_after_seconds = wait->count();
    return error;
  }
  store::CredentialRepository repository(db_);
  const auto user = repository.find_admin(store::kDefaultTenant, username);
  const bool valid = verify_password(user ? user->password_hash : dummy_hash(), password) && user;
  if (!valid) {
    throttle_.record_failure(remote_address, now);
    spdlog::warn("failed admin login from {}", remote_address);
    return make_error("wrong username or password", {}, ErrorKind::unauthorized);
  }
  throttle_.record_success(remote_address);
  LoginResult result{random_token(32), random_token(32), kSessionSeconds};
  repository.create_session(sha256_hex(result.session_token), user->id, result.csrf_token,
                            store::unix_now() + kSessionSeconds);
  spdlog::info("admin '{}' logged in from {}", username, remote_address);
  return result;
}

void AdminAuth::logout(const http::Request& request) {
  const auto token = http::cookie_value(request[http::beast_http::field::cookie], kSessionCookie);
  if (!token.empty()) store::CredentialRepository(db_).delete_session(sha256_hex(token));
}

Result<Principal> AdminAuth::authenticate(const http::Request& request) {
  store::CredentialRepository repository(db_);
  const std::string_view authorization = request[http::beast_http::field::authorization];
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "bearer ";
    if (!boost::beast::iequals(authorization.substr(0, kBearer.size()), kBearer)) {
      return make_error("unsupported Authorization scheme: use Bearer", "Authorization",
                        ErrorKind::unauthorized);
    }
    // Looked up by SHA-256: the secret itself is never compared byte by byte.
    const auto token = repository.find_token(sha256_hex(authorization.substr(kBearer.size())));
    if (!token) return make_error("invalid API token", "Authorization", ErrorKind::unauthorized);
    return Principal{token->tenant_id, "token:" + token->name};
  }
  const auto cookie = http::cookie_value(request[http::beast_http::field::cookie], kSessionCookie);
  if (cookie.empty()) {
    return make_error("authentication required", {}, ErrorKind::unauthorized);
  }
  const auto session = repository.find_session(sha256_hex(cookie), store::unix_now());
  if (!session) return make_error("session expired; log in again", {}, ErrorKind::unauthorized);
  if (!is_safe_method(request.method()) &&
      !constant_time_equal(request[kCsrfHeader], session->csrf_token)) {
    return make_error("missing or wrong CSRF token", kCsrfHeader, ErrorKind::forbidden);
  }
  return Principal{store::kDefaultTenant, kAdminUser};
}

std::string AdminAuth::create_token(const std::string& name) {
  std::string token = std::string(kTokenPrefix) + random_token(32);
  store::CredentialRepository(db_).create_token(store::kDefaultTenant, name, sha256_hex(token));
  return token;
}

}  // namespace lockline::admin
