#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/responses.hpp"
#include "http/router.hpp"

namespace lockline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

struct Server::Acceptor {
  explicit Acceptor(asio::io_context& context) : socket(context) {}
  tcp::acceptor socket;
  bool secure = false;
};

namespace {

// Counts a connection for as long as its coroutine lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<std::size_t>& count) : count_(count) { ++count_; }
  ~ConnectionSlot() { --count_; }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

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

}  // namespace

Server::Server(IoPool& pool, Handler handler, const Snapshot<WebPolicy>& policy,
               const Snapshot<tls::ServerContext>& tls, ServerLimits limits)
    : pool_(pool), handler_(std::move(handler)), policy_(policy), tls_(tls), limits_(limits) {}

Server::~Server() = default;

std::uint16_t Server::listen(const Endpoint& endpoint, bool secure) {
  auto acceptor = std::make_shared<Acceptor>(pool_.main());
  acceptor->secure = secure;
  const tcp::endpoint address(asio::ip::make_address(endpoint.host), endpoint.port);
  acceptor->socket.open(address.protocol());
  acceptor->socket.set_option(tcp::acceptor::reuse_address(true));
  acceptor->socket.bind(address);
  acceptor->socket.listen(asio::socket_base::max_listen_connections);
  const auto port = acceptor->socket.local_endpoint().port();
  acceptors_.push_back(acceptor);
  asio::co_spawn(pool_.main(), accept_loop(acceptor), asio::detached);
  spdlog::info("listening for {} on {}", secure ? "HTTPS" : "HTTP",
               Endpoint{endpoint.host, port}.to_string());
  return port;
}

void Server::stop() {
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->socket.close(ignored);
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Acceptor> acceptor) {
  while (acceptor->socket.is_open()) {
    auto [ec, socket] = co_await acceptor->socket.async_accept(
        asio::any_io_executor(pool_.next().get_executor()), use_nothrow);
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
      asio::co_spawn(executor, serve_tls(std::move(socket)), asio::detached);
    } else {
      asio::co_spawn(executor, serve_plain(std::move(socket)), asio::detached);
    }
  }
}

asio::awaitable<void> Server::serve_plain(tcp::socket socket) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  RequestContext context{false, socket.remote_endpoint(ec).address().to_string()};
  if (ec) co_return;
  beast::tcp_stream stream(std::move(socket));
  co_await serve_requests(stream, context);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Server::serve_tls(tcp::socket socket) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  RequestContext context{true, socket.remote_endpoint(ec).address().to_string()};
  if (ec) co_return;
  // The connection keeps the context it started with; a new one is published for later ones.
  const auto tls = tls_.get();
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls->ssl);
  stream.next_layer().expires_after(limits_.handshake_timeout);
  auto [handshake_error] =
      co_await stream.async_handshake(asio::ssl::stream_base::server, use_nothrow);
  if (handshake_error) {
    spdlog::debug("TLS handshake from {} failed: {}", context.remote_address,
                  handshake_error.message());
    co_return;
  }
  co_await serve_requests(stream, context);
  stream.next_layer().expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(use_nothrow);  // stream_truncated and timeouts are routine
}

template <class Stream>
asio::awaitable<void> Server::serve_requests(Stream& stream, const RequestContext& context) {
  beast::flat_buffer buffer(limits_.header_bytes);
  for (;;) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser.body_limit(limits_.body_bytes);
    beast::get_lowest_layer(stream).expires_after(limits_.read_timeout);
    auto [read_error, bytes] = co_await beast_http::async_read(stream, buffer, parser, use_nothrow);
    Response response;
    bool keep_alive = false;
    if (read_error) {
      auto answer = read_error_response(read_error);
      if (!answer) co_return;
      response = std::move(*answer);
    } else {
      Request request = parser.release();
      keep_alive = request.keep_alive();
      response = co_await respond(request, context);
    }
    response.keep_alive(keep_alive);
    response.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(limits_.write_timeout);
    auto [write_error, written] = co_await beast_http::async_write(stream, response, use_nothrow);
    if (write_error || !keep_alive) co_return;
  }
}

asio::awaitable<Response> Server::respond(Request& request, const RequestContext& context) {
  const auto policy = policy_.get();
  if (!context.secure) {
    if (auto redirect = https_redirect(*policy, request)) co_return std::move(*redirect);
  }
  Response response;
  try {
    response = co_await handler_(request, context);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", std::string(request.method_string()),
                  std::string(path_of(request.target())), e.what());
    response =
        error_response(Status::internal_server_error, "internal error", {}, request.version());
  }
  if (context.secure) add_hsts(*policy, response);
  response.set(beast_http::field::server, "Lockline");
  response.set("X-Content-Type-Options", "nosniff");
  co_return response;
}

}  // namespace lockline::http
