#include "store/acme_repository.hpp"

namespace lockline::store {

std::optional<AcmeRecord> AcmeRepository::load(std::int64_t tenant_id) {
  auto lock = db_.lock();
  auto s = db_.prepare(
      "SELECT tenant_id, enabled, domains, email, directory_url, directory_ca_pem, key_type, "
      "challenge_port, account_key_pem, account_url, renew_requested, status, "
      "certificate_serial, not_after, next_renewal_at, retry_at, failures, last_error, "
      "last_warning, last_attempt_at, last_success_at, request_generation, attempt_generation "
      "FROM acme WHERE tenant_id = ?1");
  s.bind(1, tenant_id);
  if (!s.step()) return std::nullopt;
  AcmeRecord r;
  r.tenant_id = s.integer(0);
  r.enabled = s.integer(1) != 0;
  r.domains = s.text(2);
  r.email = s.text(3);
  r.directory_url = s.text(4);
  r.directory_ca_pem = s.text(5);
  r.key_type = s.text(6);
  r.challenge_port = s.integer(7);
  r.account_key_pem = s.text(8);
  r.account_url = s.text(9);
  r.renew_requested = s.integer(10) != 0;
  r.status = s.text(11);
  r.certificate_serial = s.text(12);
  r.not_after = s.integer(13);
  r.next_renewal_at = s.integer(14);
  r.retry_at = s.integer(15);
  r.failures = s.integer(16);
  r.last_error = s.text(17);
  r.last_warning = s.text(18);
  r.last_attempt_at = s.integer(19);
  r.last_success_at = s.integer(20);
  r.request_generation = s.integer(21);
  r.attempt_generation = s.integer(22);
  return r;
}

std::int64_t AcmeRepository::save_request(const AcmeRecord& r, bool clear_account) {
  auto lock = db_.lock();
  return in_transaction(db_, [&] {
    db_.prepare(
           "INSERT INTO acme (tenant_id, enabled, domains, email, directory_url, "
           "directory_ca_pem, key_type, challenge_port, renew_requested, status, retry_at, "
           "failures, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, 0, '') "
           "ON CONFLICT (tenant_id) DO UPDATE SET enabled = ?2, domains = ?3, email = ?4, "
           "directory_url = ?5, directory_ca_pem = ?6, key_type = ?7, challenge_port = ?8, "
           "renew_requested = ?9, status = ?10, retry_at = 0, failures = 0, last_error = '', "
           "account_key_pem = CASE WHEN ?11 THEN '' ELSE account_key_pem END, "
           "account_url = CASE WHEN ?11 THEN '' ELSE account_url END, "
           "request_generation = request_generation + 1")
        .bind(1, r.tenant_id)
        .bind(2, std::int64_t{r.enabled})
        .bind(3, r.domains)
        .bind(4, r.email)
        .bind(5, r.directory_url)
        .bind(6, r.directory_ca_pem)
        .bind(7, r.key_type)
        .bind(8, r.challenge_port)
        .bind(9, std::int64_t{r.renew_requested})
        .bind(10, r.status)
        .bind(11, std::int64_t{clear_account})
        .run();
    auto generation = db_.prepare("SELECT request_generation FROM acme WHERE tenant_id = ?1");
    generation.bind(1, r.tenant_id);
    return generation.step() ? generation.integer(0) : std::int64_t{0};
  });
}

bool AcmeRepository::save_state(const AcmeRecord& r) {
  auto lock = db_.lock();
  db_.prepare(
         "UPDATE acme SET account_key_pem = ?2, account_url = ?3, status = ?4, "
         "certificate_serial = ?5, not_after = ?6, next_renewal_at = ?7, retry_at = ?8, "
         "failures = ?9, last_error = ?10, last_warning = ?11, last_attempt_at = ?12, "
         "last_success_at = ?13, renew_requested = ?14, attempt_generation = ?15 "
         "WHERE tenant_id = ?1 AND request_generation = ?15")
      .bind(1, r.tenant_id)
      .bind(2, r.account_key_pem)
      .bind(3, r.account_url)
      .bind(4, r.status)
      .bind(5, r.certificate_serial)
      .bind(6, r.not_after)
      .bind(7, r.next_renewal_at)
      .bind(8, r.retry_at)
      .bind(9, r.failures)
      .bind(10, r.last_error)
      .bind(11, r.last_warning)
      .bind(12, r.last_attempt_at)
      .bind(13, r.last_success_at)
      .bind(14, std::int64_t{r.renew_requested})
      .bind(15, r.request_generation)
      .run();
  return db_.changes() > 0;
}

}  // namespace lockline::store
