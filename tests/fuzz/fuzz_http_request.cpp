// Raw bytes as an HTTP request: Beast's parser with the server's limits, then everything the
// server derives from a request before the handlers: redirect, HSTS, cookies.
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>

#include "http/cookie.hpp"
#include "http/transport_security.hpp"

using namespace lockline::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const Request& request = parser.get();
  WebPolicy policy;
  policy.force_https = true;
  policy.hsts = true;
  policy.default_host = "pbx.test";
  if (auto redirect = https_redirect(policy, request)) {
    const auto location = (*redirect)[beast_http::field::location];
    // The redirect may only point at our scheme, never carry a line break.
    if (location.substr(0, 8) != "https://" ||
        location.find_first_of("\r\n") != std::string_view::npos) {
      __builtin_trap();
    }
  }
  Response response;
  add_hsts(policy, response);
  (void)cookie_value(request[beast_http::field::cookie], "lockline_session");
  return 0;
}
