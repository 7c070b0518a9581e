#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "core/listener.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "tls/plain_stream.hpp"
#include "tls/tls_stream.hpp"

namespace lockline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
using defer_accept = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_DEFER_ACCEPT>;

struct Server::Acceptor {
  explicit Acceptor(asio::io_context& context) : socket(context) {}
  tcp::acceptor socket;
  bool secure = false;
};

namespace {

// The answer to a request that could not be read, or nothing when the connection just ends.
std::optional<Response> read_error_response(const boost::system::error_code& ec) {
  using error = beast_http::error;
  if (ec == error::header_limit) {
    return error_response(Status::request_header_fields_too_large,
                          "request header fields too large");
  }
  if (ec == error::body_limit) {
    return error_response(Status::payload_too_large, "request body too large");
  }
  if (ec.category() == beast_http::make_error_code(error::bad_target).category() &&
      ec != error::end_of_stream && ec != error::partial_message) {
    return error_response(Status::bad_request, "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

// The response as bytes for one write (one TLS record for small responses).
std::string serialize(const Response& response) {
  std::string out;
  out.reserve(256 + response.body().size());
  out += response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(response.result_int());
  out += ' ';
  const auto reason = response.reason();
  out += reason.empty() ? beast_http::obsolete_reason(response.result()) : reason;
  out += "\r\n";
  for (const auto& field : response) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  out += response.body();
  return out;
}

}  // namespace

Server::Server(IoPool& pool, Handler handler, const Snapshot<WebPolicy>& policy,
               const Snapshot<tls::ServerContext>& tls, ServerLimits limits)
    : pool_(pool), handler_(std::move(handler)), policy_(policy), tls_(tls), limits_(limits) {}

Server::~Server() = default;

// One acceptor per thread on the same port: a new connection never hops between threads.
std::uint16_t Server::listen(const Endpoint& endpoint, bool secure) {
  std::uint16_t port = endpoint.port;
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    auto acceptor = std::make_shared<Acceptor>(pool_.at(i));
    acceptor->secure = secure;
    acceptor->socket = open_shared_acceptor(pool_.at(i), endpoint.host, port);
    // A client speaks first (ClientHello, request line): accept once it has, which saves a
    // wake-up per connection and keeps silent connections in the kernel (for about a second;
    // then they are accepted and the read timeout applies).
    boost::system::error_code ignored;
    acceptor->socket.set_option(defer_accept(1), ignored);
    port = acceptor->socket.local_endpoint().port();  // the first one's, when 0 was asked for
    acceptors_.push_back(acceptor);
    asio::co_spawn(pool_.at(i), accept_loop(acceptor), asio::detached);
  }
  spdlog::info("listening for {} on {}", secure ? "HTTPS" : "HTTP",
               Endpoint{endpoint.host, port}.to_string());
  return port;
}

void Server::stop() {
  for (auto& acceptor : acceptors_) {
    asio::post(acceptor->socket.get_executor(), [acceptor] {
      boost::system::error_code ignored;
      acceptor->socket.close(ignored);
    });
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Acceptor> acceptor) {
  while (acceptor->socket.is_open()) {
    tcp::endpoint peer;  // from accept itself: no getpeername per connection
    auto [ec, socket] = co_await acceptor->socket.async_accept(peer, use_nothrow);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or memory: pause rather than spin.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor->socket.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    if (connections_.load() >= limits_.max_connections) continue;  // closes the socket
    const auto executor = socket.get_executor();
    if (acceptor->secure) {
      asio::co_spawn(executor, serve_tls(std::move(socket), peer), asio::detached);
    } else {
      asio::co_spawn(executor, serve_plain(std::move(socket), peer), asio::detached);
    }
  }
}

asio::awaitable<void> Server::serve_plain(tcp::socket socket, tcp::endpoint peer) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  RequestContext context{false, peer.address().to_string(), nullptr};
  Deadline deadline(socket);
  tls::PlainStream transport{socket};
  co_await serve_requests(transport, deadline, context);
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Server::serve_tls(tcp::socket socket, tcp::endpoint peer) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  RequestContext context{true, peer.address().to_string(), nullptr};
  Deadline deadline(socket);
  // The connection keeps the context it started with; a new one is published for later ones.
  tls::TlsStream stream(socket, tls_.get()->ssl->native_handle());
  deadline.expires_after(limits_.handshake_timeout);
  if (auto handshake_error = co_await stream.handshake()) {
    spdlog::debug("TLS handshake from {} failed: {}", context.remote_address,
                  handshake_error.message());
    co_return;
  }
  context.client_certificate = tls::peer_certificate(stream.native_handle());
  co_await serve_requests(stream, deadline, context);
  stream.close_notify();
}

// Reads one request into parser: Beast's parser does no I/O, we feed it what arrives.
// Returns the read error, or a parse error for the caller to answer.
template <class Transport>
asio::awaitable<boost::system::error_code> read_request(
    Transport& transport, beast::flat_buffer& buffer,
    beast_http::request_parser<beast_http::string_body>& parser) {
  constexpr std::size_t kReadSize = 16 * 1024;
  for (;;) {
    if (buffer.size() > 0) {
      boost::system::error_code ec;
      const auto used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != beast_http::error::need_more) co_return ec;
      if (parser.is_done()) co_return boost::system::error_code{};
      if (!ec && used > 0) continue;
    }
    auto space = buffer.prepare(kReadSize);
    auto [ec, n] = co_await transport.read_some(space.data(), space.size());
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

template <class Transport>
asio::awaitable<void> Server::serve_requests(Transport& transport, Deadline& deadline,
                                             const RequestContext& context) {
  beast::flat_buffer buffer;
  for (;;) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser.body_limit(limits_.body_bytes);
    parser.eager(true);
    deadline.expires_after(limits_.read_timeout);
    const auto read_error = co_await read_request(transport, buffer, parser);
    Response response;
    bool keep_alive = false;
    if (read_error) {
      auto answer = read_error_response(read_error);
      if (!answer || deadline.expired()) co_return;
      response = std::move(*answer);
    } else {
      Request request = parser.release();
      keep_alive = request.keep_alive();
      response = co_await respond(request, context);
    }
    add_common_headers(response, context);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    const std::string bytes = serialize(response);
    deadline.expires_after(limits_.write_timeout);
    if (co_await transport.write_all(bytes.data(), bytes.size()) || !keep_alive) co_return;
  }
}

asio::awaitable<Response> Server::respond(Request& request, const RequestContext& context) {
  if (!context.secure) {
    if (auto redirect = https_redirect(*policy_.get(), request)) co_return std::move(*redirect);
  }
  try {
    co_return co_await handler_(request, context);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", std::string(request.method_string()),
                  std::string(path_of(request.target())), e.what());
  }
  co_return error_response(Status::internal_server_error, "internal error", {}, request.version());
}

// Headers every response carries, errors and redirects included.
void Server::add_common_headers(Response& response, const RequestContext& context) const {
  if (context.secure) add_hsts(*policy_.get(), response);
  response.set(beast_http::field::server, "Lockline");
  response.set("X-Content-Type-Options", "nosniff");
}

}  // namespace lockline::http
