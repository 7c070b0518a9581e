#pragma once
// ACME per tenant: the administrator's request (domains, contact, directory) and the state of
// issuing and renewing, which the server keeps here so that it survives restarts.
#include <cstdint>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace lockline::store {

struct AcmeRecord {
  std::int64_t tenant_id = 0;
  bool enabled = false;
  std::string domains;  // comma-separated
  std::string email;
  std::string directory_url;
  std::string directory_ca_pem;  // an extra CA for the directory's TLS (test servers)
  std::string key_type;          // "ecdsa-p256", "rsa2048"
  std::int64_t challenge_port = 80;
  std::string account_key_pem, account_url;
  bool renew_requested = false;
  std::string status;  // "pending", "valid", "error", "disabled"
  std::string certificate_serial;
  std::int64_t not_after = 0, next_renewal_at = 0, retry_at = 0, failures = 0;
  std::string last_error, last_warning;
  std::int64_t last_attempt_at = 0, last_success_at = 0;
  // Each request of the administrator's counts up; the server's result is kept only for the
  // request it worked on, so a change made during an attempt is never overwritten by it.
  std::int64_t request_generation = 0, attempt_generation = 0;
};

class AcmeRepository {
 public:
  explicit AcmeRepository(Database& db) : db_(db) {}

  std::optional<AcmeRecord> load(std::int64_t tenant_id);
  // The administrator's side (the CLI): the request and a fresh start of the retries, the account
  // forgotten when `clear_account` (a new directory, --new-account). Creates the row. Returns
  // the request's generation.
  std::int64_t save_request(const AcmeRecord& record, bool clear_account = false);
  // The server's side: account, status, certificate, schedule, errors, renew_requested, for the
  // request generation it worked on. False, and nothing written, when the request has changed
  // since (the next attempt is for the new one).
  bool save_state(const AcmeRecord& record);

 private:
  Database& db_;
};

}  // namespace lockline::store
