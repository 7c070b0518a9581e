#pragma once
// The HTTP message types every handler sees.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>

#include "tls/peer_certificate.hpp"

namespace lockline::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Status = beast_http::status;
using Verb = beast_http::verb;

struct RequestContext {
  bool secure = false;         // arrived over TLS
  std::string remote_address;  // the peer's IP address, from the socket
  // On a listener that asks for one (mutual TLS): what the client showed, nullptr for nothing.
  std::shared_ptr<const tls::PeerCertificate> client_certificate;
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&, const RequestContext&)>;

}  // namespace lockline::http
