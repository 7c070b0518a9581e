#pragma once
// The ACME protocol (RFC 8555) as one client: directory, nonces (badNonce retried with the fresh
// nonce), account, order, HTTP-01 challenges, finalize with a CSR for a fresh key, download.
// Each step is a coroutine; errors carry the server's problem detail and its Retry-After.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "acme/csr.hpp"
#include "acme/jose.hpp"
#include "acme/renewal_info.hpp"
#include "acme/web_client.hpp"
#include "core/result.hpp"

namespace lockline::acme {

// The HTTP-01 answers, served by the HTTP listener under /.well-known/acme-challenge/<token>.
class ChallengeResponder {
 public:
  void put(const std::string& token, const std::string& key_authorization);
  void remove(const std::string& token);
  std::optional<std::string> find(const std::string& token) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> answers_;
};

struct IssuedCertificate {
  std::string chain_pem;
  std::string key_pem;
};

class AcmeClient {
 public:
  // `stop` set: every step ends at its next request or poll (the server is shutting down).
  AcmeClient(WebClient web, AccountKey key, std::string account_url, const std::atomic<bool>& stop)
      : web_(std::move(web)),
        key_(std::move(key)),
        account_url_(std::move(account_url)),
        stop_(stop) {}

  boost::asio::awaitable<Status> load_directory(const std::string& url);
  // Creates the account (terms agreed) or finds the existing one for this key; its URL.
  boost::asio::awaitable<Result<std::string>> ensure_account(const std::string& email);
  boost::asio::awaitable<Result<IssuedCertificate>> order(const std::vector<std::string>& domains,
                                                          KeyType key_type,
                                                          ChallengeResponder& responder);
  // ACME Renewal Information (RFC 9773), when the directory offers it.
  bool offers_renewal_info() const;
  // The suggested window for the certificate; `retry_after` is when to ask again (seconds).
  boost::asio::awaitable<Result<RenewalWindow>> renewal_info(const std::string& certificate_pem,
                                                             std::int64_t& retry_after);

 private:
  boost::asio::awaitable<Result<WebReply>> post(const std::string& url, const std::string& payload);
  boost::asio::awaitable<Result<std::string>> nonce();
  // Polls a resource (POST-as-GET) until its status is no longer pending/processing.
  boost::asio::awaitable<Result<std::string>> poll(const std::string& url, const char* what);

  WebClient web_;
  AccountKey key_;
  std::string account_url_;
  std::map<std::string, std::string> directory_;  // newNonce, newAccount, newOrder, ...
  std::string nonce_;
  const std::atomic<bool>& stop_;
};

}  // namespace lockline::acme
