#pragma once
// A small HTTP(S) client for ACME and its preflight: one request per connection, a timeout on
// every step, server certificates verified against the system's roots plus, optionally, one
// extra CA (a test ACME server's, `--directory-ca`), with the host name checked.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "acme/url.hpp"
#include "core/result.hpp"

namespace lockline::acme {

struct WebReply {
  int status = 0;
  std::string body;
  std::string content_type, location, replay_nonce, retry_after;
};

class WebClient {
 public:
  explicit WebClient(std::string extra_ca_pem = {},
                     std::chrono::seconds timeout = std::chrono::seconds(30))
      : extra_ca_pem_(std::move(extra_ca_pem)), timeout_(timeout) {}

  // method: "GET", "HEAD" or "POST" (body sent as application/jose+json).
  boost::asio::awaitable<Result<WebReply>> fetch(std::string method, std::string url,
                                                 std::string body = {});

 private:
  std::string extra_ca_pem_;
  std::chrono::seconds timeout_;
};

}  // namespace lockline::acme
