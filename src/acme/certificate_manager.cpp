#include "acme/certificate_manager.hpp"

#include <openssl/rand.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

#include "core/crypto_random.hpp"
#include "store/certificate_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/certificate_info.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kBackoffBase = 30;                // seconds, doubled per failure
constexpr std::int64_t kBackoffCap = 6 * 60 * 60;        // at most six hours between tries
constexpr std::int64_t kRenewalInfoEvery = 6 * 60 * 60;  // RFC 9773 §4.3: a few times a day

std::vector<std::string> split_domains(const std::string& text) {
  std::vector<std::string> domains;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    auto domain =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!domain.empty()) domains.push_back(std::move(domain));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return domains;
}

// The delay before the next try: exponential, with +-20% jitter so that many servers failing
// together do not return together, and never sooner than the server's Retry-After.
std::int64_t backoff(std::int64_t failures, std::int64_t retry_after) {
  std::int64_t delay = kBackoffBase;
  for (std::int64_t i = 1; i < failures && delay < kBackoffCap; ++i) delay *= 2;
  delay = std::min(delay, kBackoffCap);
  unsigned char byte = 0;
  RAND_bytes(&byte, 1);
  delay = delay * (80 + byte % 41) / 100;
  return std::max(delay, retry_after);
}

// What the server issued, checked before it is served: the key is the leaf's, the leaf is valid.
Result<tls::CertificateInfo> check_issued(const IssuedCertificate& issued, std::int64_t now) {
  auto chain = tls::read_certificates(issued.chain_pem, "certificate");
  if (!chain) return chain.error();
  auto key = tls::read_private_key(issued.key_pem, "key");
  if (!key) return key.error();
  if (X509_check_private_key(chain->front().get(), key->get()) != 1) {
    return make_error("the issued certificate is not for the key we sent");
  }
  auto info = tls::describe(chain->front().get());
  if (info.not_after_unix <= now) return make_error("the issued certificate has expired");
  return info;
}

}  // namespace

asio::awaitable<void> CertificateManager::run(asio::steady_timer& timer) {
  // Stopped by stop() as well as by cancelling the timer: a cancel that comes while an attempt
  // is under way would miss the next wait.
  while (!stopping_) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping_) co_return;
    try {
      auto record = store::AcmeRepository(db_).load(store::kDefaultTenant);
      if (!record || !record->enabled) continue;
      const auto now = store::unix_now();
      const bool due =
          record->renew_requested || record->not_after == 0 || now >= record->next_renewal_at;
      if (due && now >= record->retry_at) {
        co_await attempt(std::move(*record));
      } else if (!due && record->status == "valid" && now >= renewal_info_due_) {
        co_await check_renewal_window(std::move(*record));
      }
    } catch (const std::exception& e) {
      spdlog::error("ACME: {}", e.what());
    }
  }
}

asio::awaitable<Status> CertificateManager::preflight(const store::AcmeRecord& record,
                                                      std::string& warnings) {
  const auto token = random_token(24);
  const auto answer = "lockline-preflight." + token;
  responder_.put(token, answer);
  WebClient web({}, std::chrono::seconds(10));
  const auto path = std::string(kChallengePrefix) + token;
  Status result = ok();
  auto own = co_await web.fetch("GET", http_base_ + path);
  if (!own || own->status != 200 || own->body != answer) {
    result = make_error(
        "preflight: Lockline's own HTTP listener (" + http_base_ +
        ") does not answer its challenge URL" +
        (own ? " (HTTP " + std::to_string(own->status) + ")" : ": " + own.error().message));
  }
  const auto executor = co_await asio::this_coro::executor;
  for (const auto& domain : split_domains(record.domains)) {
    if (!result) break;
    asio::ip::tcp::resolver resolver(executor);
    auto [ec, endpoints] = co_await resolver.async_resolve(
        domain, std::to_string(record.challenge_port), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      warnings += (warnings.empty() ? "" : "; ") + domain +
                  " does not resolve from this machine (the ACME server must resolve it)";
      continue;
    }
    const auto url = "http://" + domain + ":" + std::to_string(record.challenge_port) + path;
    auto reply = co_await web.fetch("GET", url);
    if (!reply || reply->status != 200 || reply->body != answer) {
      result = make_error(
          "preflight: " + url + " does not reach this Lockline (" +
          (reply ? "HTTP " + std::to_string(reply->status) : reply.error().message) +
          "): the ACME server validates on port " + std::to_string(record.challenge_port) +
          "; is that port open and forwarded to listen.http?");
    }
  }
  responder_.remove(token);
  co_return result;
}

asio::awaitable<void> CertificateManager::check_renewal_window(store::AcmeRecord record) {
  const auto now = store::unix_now();
  renewal_info_due_ = now + kRenewalInfoEvery;
  std::string certificate;
  for (const auto& c : store::CertificateRepository(db_).active(record.tenant_id)) {
    if (c.source == "acme") certificate = c.chain_pem;
  }
  auto key = AccountKey::from_pem(record.account_key_pem);
  if (certificate.empty() || !key) co_return;
  AcmeClient client(WebClient(record.directory_ca_pem), *key, record.account_url, stopping_);
  if (!co_await client.load_directory(record.directory_url) || !client.offers_renewal_info()) {
    co_return;  // no renewal information: a third of the lifetime left stays the rule
  }
  std::int64_t retry_after = 0;
  auto window = co_await client.renewal_info(certificate, retry_after);
  renewal_info_due_ = now + std::max(retry_after, kRenewalInfoEvery);
  if (!window) {
    spdlog::info("ACME: renewal information: {}", window.error().message);
    co_return;
  }
  // A window that moved (an incident: the CA revokes early) gets a new time within it.
  if (record.next_renewal_at < window->start || record.next_renewal_at >= window->end) {
    record.next_renewal_at = renewal_time(*window, now);
    if (store::AcmeRepository(db_).save_state(record)) {
      spdlog::info("ACME: the CA suggests renewing between {} and {}; renewal from {}",
                   window->start, window->end, record.next_renewal_at);
    }
  }
}

asio::awaitable<void> CertificateManager::attempt(store::AcmeRecord record) {
  const auto now = store::unix_now();
  record.last_attempt_at = now;
  const auto domains = split_domains(record.domains);
  spdlog::info("ACME: requesting a certificate for {} from {}", record.domains,
               record.directory_url);
  const auto fail = [&](const Error& error) {
    record.status = "error";
    record.last_error = error.message;
    ++record.failures;
    record.retry_at = now + backoff(record.failures, error.retry_after_seconds);
    if (!store::AcmeRepository(db_).save_state(record)) {
      spdlog::info("ACME: the request changed during the attempt; trying the new one");
      return;
    }
    spdlog::warn("ACME: {} (try {} failed; next try in {} s; the current certificate stays)",
                 error.message, record.failures, record.retry_at - now);
  };

  std::string warnings;
  if (auto checked = co_await preflight(record, warnings); !checked)
    co_return fail(checked.error());
  record.last_warning = warnings;

  auto key = record.account_key_pem.empty() ? Result<AccountKey>(AccountKey::generate())
                                            : AccountKey::from_pem(record.account_key_pem);
  if (!key) co_return fail(key.error());
  AcmeClient client(WebClient(record.directory_ca_pem), *key, record.account_url, stopping_);
  if (auto loaded = co_await client.load_directory(record.directory_url); !loaded) {
    co_return fail(loaded.error());
  }
  if (record.account_url.empty()) {
    auto account = co_await client.ensure_account(record.email);
    if (!account) co_return fail(account.error());
    record.account_key_pem = key->pem();
    record.account_url = *account;
    store::AcmeRepository(db_).save_state(record);  // the account survives a failed order
  }
  auto issued = co_await client.order(
      domains, record.key_type == "rsa2048" ? KeyType::rsa2048 : KeyType::ecdsa_p256, responder_);
  if (!issued) co_return fail(issued.error());
  auto info = check_issued(*issued, now);
  if (!info) co_return fail(info.error());

  // The new certificate replaces the active set in one transaction; the listeners pick it up.
  // Unless the request changed meanwhile (ACME switched off, other domains, another CA): then
  // this certificate is not what is wanted.
  if (const auto now_wanted = store::AcmeRepository(db_).load(record.tenant_id);
      !now_wanted || !now_wanted->enabled ||
      now_wanted->request_generation != record.request_generation) {
    spdlog::info("ACME: the request changed during the attempt; its certificate is not used");
    co_return;
  }
  store::CertificateRepository(db_).replace_active(
      store::kDefaultTenant, {{0, "acme", issued->chain_pem, issued->key_pem, 0}});
  const auto lifetime = info->not_after_unix - info->not_before_unix;
  record.status = "valid";
  record.certificate_serial = info->serial;
  record.not_after = info->not_after_unix;
  record.next_renewal_at = info->not_after_unix - lifetime / 3;
  renewal_info_due_ = 0;
  if (client.offers_renewal_info()) {
    std::int64_t retry_after = 0;
    if (auto window = co_await client.renewal_info(issued->chain_pem, retry_after)) {
      record.next_renewal_at = renewal_time(*window, now);
      renewal_info_due_ = now + std::max(retry_after, kRenewalInfoEvery);
    }
  }
  record.renew_requested = false;
  record.failures = 0;
  record.retry_at = 0;
  record.last_error.clear();
  record.last_success_at = now;
  store::AcmeRepository(db_).save_state(record);
  spdlog::info("ACME: certificate {} for {} until {}; renewal from {}", info->serial,
               record.domains, info->not_after, record.next_renewal_at);
}

}  // namespace lockline::acme
