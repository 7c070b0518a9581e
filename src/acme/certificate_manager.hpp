#pragma once
// Let's Encrypt (any RFC 8555 server) for the running server: issues the certificate the
// administrator asked for (`lockline acme enable`, a row in the store), renews it when a third
// of its lifetime is left, retries failures with exponential backoff and jitter (honouring
// Retry-After), and makes each new certificate the active one: the listeners apply it to new
// handshakes within 2 s, and connections already open keep theirs. The old certificate stays in
// use until a new one is ready. All state is in the store, so restarts lose nothing.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <string>

#include "acme/acme_client.hpp"
#include "store/acme_repository.hpp"
#include "store/database.hpp"

namespace lockline::acme {

inline constexpr std::string_view kChallengePrefix = "/.well-known/acme-challenge/";
inline constexpr std::string_view kLetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";
inline constexpr std::string_view kLetsEncryptStaging =
    "https://acme-staging-v02.api.letsencrypt.org/directory";

class CertificateManager {
 public:
  // http_base: where this server's own HTTP listener answers ("http://127.0.0.1:8080"), for the
  // preflight.
  CertificateManager(store::Database& db, ChallengeResponder& responder, std::string http_base)
      : db_(db), responder_(responder), http_base_(std::move(http_base)) {}

  // Looks once a second whether issuing or renewing is due, until the timer is cancelled.
  boost::asio::awaitable<void> run(boost::asio::steady_timer& timer);
  // From any thread: an attempt under way ends at its next request (shutdown).
  void stop() { stopping_ = true; }

 private:
  boost::asio::awaitable<void> attempt(store::AcmeRecord record);
  // Asks the CA's renewal information (RFC 9773) for the certificate in use, now and then, and
  // moves the renewal into its suggested window.
  boost::asio::awaitable<void> check_renewal_window(store::AcmeRecord record);
  // Serves a probe token and fetches it back through the listener and through each domain:
  // an error for what stops validation, warnings for what may not.
  boost::asio::awaitable<Status> preflight(const store::AcmeRecord& record, std::string& warnings);

  store::Database& db_;
  ChallengeResponder& responder_;
  std::string http_base_;
  std::atomic<bool> stopping_{false};
  std::int64_t renewal_info_due_ = 0;  // when to ask for the renewal window again
};

}  // namespace lockline::acme
