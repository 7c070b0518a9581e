#include "acme/acme_client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace lockline::acme {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kNonceRetries = 6;  // each with the fresh nonce the rejection brought
constexpr int kPolls = 60;

// Retry-After in seconds, at most a week (an absurd value must not overflow a schedule); the
// HTTP-date form counts as "no advice".
std::int64_t retry_after_seconds(const std::string& text) {
  constexpr std::int64_t kWeek = 7 * 24 * 3600;
  std::int64_t seconds = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return 0;
    seconds = std::min(kWeek, seconds * 10 + (c - '0'));
  }
  return seconds;
}

// A nonce goes into the protected header as is: only base64url (RFC 8555 §6.5.1).
bool valid_nonce(const std::string& nonce) {
  return !nonce.empty() && nonce.size() <= 512 &&
         std::all_of(nonce.begin(), nonce.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

// The problem document of a failed request (RFC 7807), as one line for the status and logs.
Error problem(const WebReply& reply, const std::string& doing) {
  std::string detail, type;
  json::error_code ec;
  const auto body = json::parse(reply.body, ec);
  if (!ec && body.is_object()) {
    if (const auto* d = body.as_object().if_contains("detail"); d && d->is_string()) {
      detail = std::string(d->as_string());
    }
    if (const auto* t = body.as_object().if_contains("type"); t && t->is_string()) {
      type = std::string(t->as_string());
    }
  }
  auto error =
      make_error(doing + ": HTTP " + std::to_string(reply.status) +
                     (type.empty() ? "" : " " + type) + (detail.empty() ? "" : " (" + detail + ")"),
                 "acme", reply.status == 429 ? ErrorKind::throttled : ErrorKind::internal);
  error.retry_after_seconds = retry_after_seconds(reply.retry_after);
  return error;
}

bool is_problem(const WebReply& reply, std::string_view type) {
  return reply.status >= 400 && reply.body.find(type) != std::string::npos;
}

Result<json::object> object_of(const WebReply& reply, const std::string& what) {
  json::error_code ec;
  auto value = json::parse(reply.body, ec);
  if (ec || !value.is_object())
    return make_error(what + ": the server's answer is not a JSON object");
  return value.as_object();
}

std::string text(const json::object& object, const char* key) {
  const auto* v = object.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Request bodies, built outside the coroutines (GCC 12 miscompiles initializer lists in them).
std::string account_payload(const std::string& email) {
  json::object request{{"termsOfServiceAgreed", true}};
  if (!email.empty()) request["contact"] = json::array{json::value("mailto:" + email)};
  return json::serialize(request);
}

std::string order_payload(const std::vector<std::string>& domains) {
  json::array identifiers;
  for (const auto& domain : domains) {
    identifiers.push_back(json::object{{"type", "dns"}, {"value", domain}});
  }
  return json::serialize(json::object{{"identifiers", identifiers}});
}

std::string finalize_payload(const std::string& csr_der) {
  return json::serialize(json::object{{"csr", base64url(csr_der)}});
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

void ChallengeResponder::put(const std::string& token, const std::string& key_authorization) {
  std::lock_guard lock(mutex_);
  answers_[token] = key_authorization;
}

void ChallengeResponder::remove(const std::string& token) {
  std::lock_guard lock(mutex_);
  answers_.erase(token);
}

std::optional<std::string> ChallengeResponder::find(const std::string& token) const {
  std::lock_guard lock(mutex_);
  const auto it = answers_.find(token);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

asio::awaitable<Status> AcmeClient::load_directory(const std::string& url) {
  auto reply = co_await web_.fetch("GET", url);
  if (!reply)
    co_return make_error("ACME directory " + url + ": " + reply.error().message, "directory");
  if (reply->status != 200) co_return problem(*reply, "ACME directory " + url);
  auto object = object_of(*reply, "ACME directory");
  if (!object) co_return object.error();
  static constexpr const char* kEndpoints[] = {"newNonce", "newAccount", "newOrder", "renewalInfo"};
  for (const char* key : kEndpoints) directory_[key] = text(*object, key);
  if (directory_["newNonce"].empty() || directory_["newAccount"].empty() ||
      directory_["newOrder"].empty()) {
    co_return make_error("ACME directory " + url + " lacks newNonce, newAccount or newOrder",
                         "directory");
  }
  co_return ok();
}

bool AcmeClient::offers_renewal_info() const {
  const auto it = directory_.find("renewalInfo");
  return it != directory_.end() && !it->second.empty();
}

asio::awaitable<Result<RenewalWindow>> AcmeClient::renewal_info(const std::string& certificate_pem,
                                                                std::int64_t& retry_after) {
  auto id = ari_cert_id(certificate_pem);
  if (!id) co_return id.error();
  auto reply = co_await web_.fetch("GET", directory_["renewalInfo"] + "/" + *id);
  if (!reply) co_return reply.error();
  retry_after = retry_after_seconds(reply->retry_after);
  if (reply->status != 200) co_return problem(*reply, "fetching the renewal information");
  co_return parse_renewal_info(reply->body);
}

asio::awaitable<Result<std::string>> AcmeClient::nonce() {
  if (!nonce_.empty()) co_return std::exchange(nonce_, std::string());
  auto reply = co_await web_.fetch("HEAD", directory_["newNonce"]);
  if (!reply) co_return reply.error();
  if (!valid_nonce(reply->replay_nonce)) {
    co_return make_error("the ACME server gave no usable nonce");
  }
  co_return reply->replay_nonce;
}

asio::awaitable<Result<WebReply>> AcmeClient::post(const std::string& url,
                                                   const std::string& payload) {
  for (int attempt = 0;; ++attempt) {
    if (stop_) co_return make_error("stopped: the server is shutting down");
    auto fresh = co_await nonce();
    if (!fresh) co_return fresh.error();
    auto reply = co_await web_.fetch("POST", url, key_.sign(payload, url, *fresh, account_url_));
    if (!reply) co_return reply.error();
    nonce_ = valid_nonce(reply->replay_nonce) ? reply->replay_nonce : std::string();
    // RFC 8555 §6.5: a rejected nonce comes with a fresh one; try again with it.
    if (attempt < kNonceRetries && is_problem(*reply, "urn:ietf:params:acme:error:badNonce")) {
      continue;
    }
    co_return reply;
  }
}

asio::awaitable<Result<std::string>> AcmeClient::ensure_account(const std::string& email) {
  const auto saved_kid = std::exchange(account_url_, std::string());  // newAccount takes the JWK
  auto reply = co_await post(directory_["newAccount"], account_payload(email));
  if (!reply) {
    account_url_ = saved_kid;
    co_return reply.error();
  }
  if (reply->status != 200 && reply->status != 201) {
    account_url_ = saved_kid;
    co_return problem(*reply, "creating the ACME account");
  }
  auto object = object_of(*reply, "ACME account");
  if (object && text(*object, "status") != "valid") {
    co_return make_error("the ACME account is " + text(*object, "status") +
                         " (deactivated or revoked): a new account key is needed");
  }
  if (reply->location.empty()) co_return make_error("the ACME server named no account URL");
  account_url_ = reply->location;
  co_return account_url_;
}

asio::awaitable<Result<std::string>> AcmeClient::poll(const std::string& url, const char* what) {
  for (int i = 0; i < kPolls; ++i) {
    auto reply = co_await post(url, "");
    if (!reply) co_return reply.error();
    if (reply->status != 200) co_return problem(*reply, std::string("checking the ") + what);
    auto object = object_of(*reply, what);
    if (!object) co_return object.error();
    const auto status = text(*object, "status");
    if (status != "pending" && status != "processing") co_return reply->body;
    const auto wait = std::clamp<std::int64_t>(retry_after_seconds(reply->retry_after), 1, 10);
    co_await sleep_for(std::chrono::seconds(wait));
  }
  co_return make_error(std::string("the ") + what + " stayed pending for too long");
}

asio::awaitable<Result<IssuedCertificate>> AcmeClient::order(
    const std::vector<std::string>& domains, KeyType key_type, ChallengeResponder& responder) {
  auto created = co_await post(directory_["newOrder"], order_payload(domains));
  if (!created) co_return created.error();
  if (created->status != 201) co_return problem(*created, "placing the order");
  const auto order_url = created->location;
  auto order = object_of(*created, "order");
  if (!order) co_return order.error();

  // Every authorization: answer its HTTP-01 challenge from our own listener.
  std::vector<std::string> tokens;
  const auto forget_tokens = [&] {
    for (const auto& token : tokens) responder.remove(token);
  };
  const auto* authorizations = order->if_contains("authorizations");
  if (!authorizations || !authorizations->is_array()) {
    co_return make_error("the order names no authorizations");
  }
  for (const auto& url_value : authorizations->as_array()) {
    if (!url_value.is_string()) continue;
    const std::string url(url_value.as_string());
    auto reply = co_await post(url, "");
    if (!reply || reply->status != 200) {
      forget_tokens();
      co_return reply ? problem(*reply, "fetching an authorization") : reply.error();
    }
    auto authorization = object_of(*reply, "authorization");
    if (!authorization) {
      forget_tokens();
      co_return authorization.error();
    }
    if (text(*authorization, "status") == "valid") continue;
    std::string challenge_url, token;
    if (const auto* challenges = authorization->if_contains("challenges");
        challenges && challenges->is_array()) {
      for (const auto& c : challenges->as_array()) {
        if (c.is_object() && text(c.as_object(), "type") == "http-01") {
          challenge_url = text(c.as_object(), "url");
          token = text(c.as_object(), "token");
        }
      }
    }
    std::string domain;
    if (const auto* id = authorization->if_contains("identifier"); id && id->is_object()) {
      domain = text(id->as_object(), "value");
    }
    if (challenge_url.empty() || token.empty()) {
      forget_tokens();
      co_return make_error("the ACME server offers no HTTP-01 challenge for " + domain);
    }
    responder.put(token, token + "." + key_.thumbprint());
    tokens.push_back(token);
    auto answered = co_await post(challenge_url, "{}");
    if (!answered || answered->status != 200) {
      forget_tokens();
      co_return answered ? problem(*answered, "answering the challenge for " + domain)
                         : answered.error();
    }
    auto result = co_await poll(url, "authorization");
    if (!result) {
      forget_tokens();
      co_return result.error();
    }
    json::error_code parse_error;
    const auto polled = json::parse(*result, parse_error);
    if (parse_error || !polled.is_object() || text(polled.as_object(), "status") != "valid") {
      forget_tokens();
      // The challenge's error says what the server saw (connection refused, 404, ...).
      std::string detail;
      json::error_code ec;
      const auto body = json::parse(*result, ec);
      if (!ec && body.is_object()) {
        if (const auto* cs = body.as_object().if_contains("challenges"); cs && cs->is_array()) {
          for (const auto& c : cs->as_array()) {
            if (const auto* e = c.is_object() ? c.as_object().if_contains("error") : nullptr;
                e && e->is_object()) {
              detail = text(e->as_object(), "detail");
            }
          }
        }
      }
      co_return make_error("the HTTP-01 challenge for " + domain + " failed" +
                           (detail.empty() ? "" : ": " + detail));
    }
  }
  forget_tokens();

  // Finalize with a CSR for a fresh key, then fetch the chain.
  const auto request = make_signing_request(key_type, domains);
  auto finalized = co_await post(text(*order, "finalize"), finalize_payload(request.der));
  if (!finalized) co_return finalized.error();
  if (finalized->status != 200) co_return problem(*finalized, "finalizing the order");
  auto done = co_await poll(order_url, "order");
  if (!done) co_return done.error();
  json::error_code ec;
  const auto final_order = json::parse(*done, ec);
  if (ec || !final_order.is_object() || text(final_order.as_object(), "status") != "valid") {
    co_return make_error("the order did not become valid: " + done->substr(0, 300));
  }
  const auto certificate_url = text(final_order.as_object(), "certificate");
  auto chain = co_await post(certificate_url, "");
  if (!chain) co_return chain.error();
  if (chain->status != 200) co_return problem(*chain, "downloading the certificate");
  co_return IssuedCertificate{chain->body, request.key_pem};
}

}  // namespace lockline::acme
