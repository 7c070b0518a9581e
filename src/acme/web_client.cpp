#include "acme/web_client.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "tls/openssl_error.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kMaxBody = 1024 * 1024;

template <class Stream>
asio::awaitable<Result<WebReply>> exchange(Stream& stream, beast::tcp_stream& lowest,
                                           const std::string& method, const Url& url,
                                           const std::string& body, std::chrono::seconds timeout) {
  http::request<http::string_body> request(http::string_to_verb(method), url.target, 11);
  // Host names the port when it is not the scheme's (servers build their URLs from it).
  const bool default_port = url.port == (url.scheme == "https" ? "443" : "80");
  const auto host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
  request.set(http::field::host, default_port ? host : host + ":" + url.port);
  request.set(http::field::user_agent, "Lockline");
  request.set(http::field::connection, "close");
  if (method == "POST") {
    request.set(http::field::content_type, "application/jose+json");
    request.body() = body;
  }
  request.prepare_payload();
  lowest.expires_after(timeout);
  if (auto [ec, n] = co_await http::async_write(stream, request, nothrow); ec) {
    co_return make_error("sending to " + url.host + ": " + ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  if (method == "HEAD") parser.skip(true);
  lowest.expires_after(timeout);
  if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow); ec) {
    co_return make_error("reading from " + url.host + ": " + ec.message());
  }
  const auto& response = parser.get();
  WebReply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.body = response.body();
  reply.content_type = std::string(response[http::field::content_type]);
  reply.location = std::string(response[http::field::location]);
  reply.retry_after = std::string(response[http::field::retry_after]);
  reply.replay_nonce = std::string(response["Replay-Nonce"]);
  co_return reply;
}

}  // namespace

asio::awaitable<Result<WebReply>> WebClient::fetch(std::string method, std::string url_text,
                                                   std::string body) {
  auto url = parse_url(url_text);
  if (!url) co_return url.error();
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] = co_await resolver.async_resolve(url->host, url->port, nothrow);
  if (resolve_error) {
    co_return make_error("cannot resolve " + url->host + ": " + resolve_error.message());
  }
  beast::tcp_stream socket(executor);
  socket.expires_after(timeout_);
  if (auto [ec, endpoint] = co_await socket.async_connect(endpoints, nothrow); ec) {
    co_return make_error("cannot connect to " + url->host + ":" + url->port + ": " + ec.message());
  }
  if (url->scheme == "http") {
    co_return co_await exchange(socket, socket, method, *url, body, timeout_);
  }

  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths();
  if (!extra_ca_pem_.empty()) {
    auto extra = tls::read_certificates(extra_ca_pem_, "directory CA");
    if (!extra) co_return extra.error();
    for (const auto& ca : *extra) {
      X509_STORE_add_cert(SSL_CTX_get_cert_store(context.native_handle()), ca.get());
    }
  }
  context.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), context);
  SSL* ssl = stream.native_handle();
  boost::system::error_code ip_error;
  asio::ip::make_address(url->host, ip_error);
  if (ip_error) {
    SSL_set_tlsext_host_name(ssl, url->host.c_str());  // SNI, for names only
    SSL_set1_host(ssl, url->host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url->host.c_str());
  }
  beast::get_lowest_layer(stream).expires_after(timeout_);
  if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow); ec) {
    co_return make_error("TLS with " + url->host + ": " + ec.message());
  }
  auto reply =
      co_await exchange(stream, beast::get_lowest_layer(stream), method, *url, body, timeout_);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(nothrow);  // close_notify; a peer that just closes is fine
  co_return reply;
}

}  // namespace lockline::acme
