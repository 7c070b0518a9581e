#pragma once
// HTTP and HTTPS listeners: one coroutine per connection, a timeout on every read, write and
// handshake, bounded request sizes and a bounded number of connections.
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/deadline.hpp"
#include "core/endpoint.hpp"
#include "core/io_pool.hpp"
#include "core/snapshot.hpp"
#include "http/message.hpp"
#include "http/transport_security.hpp"
#include "tls/server_context.hpp"

namespace lockline::http {

struct ServerLimits {
  std::size_t header_bytes = 8 * 1024;   // 431 beyond
  std::size_t body_bytes = 1024 * 1024;  // 413 beyond
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{15};  // a whole request, and the idle time before it
  std::chrono::seconds write_timeout{15};
  std::size_t max_connections = 10000;
};

class Server {
 public:
  Server(IoPool& pool, Handler handler, const Snapshot<WebPolicy>& policy,
         const Snapshot<tls::ServerContext>& tls, ServerLimits limits = {});
  ~Server();

  // Binds now (throws at start-up when it cannot) and accepts until stop(); returns the port.
  std::uint16_t listen(const Endpoint& endpoint, bool secure);
  void stop();

 private:
  struct Acceptor;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Acceptor> acceptor);
  boost::asio::awaitable<void> serve_plain(boost::asio::ip::tcp::socket socket,
                                           boost::asio::ip::tcp::endpoint peer);
  boost::asio::awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket,
                                         boost::asio::ip::tcp::endpoint peer);
  template <class Transport>
  boost::asio::awaitable<void> serve_requests(Transport& transport, Deadline& deadline,
                                              const RequestContext& context);
  boost::asio::awaitable<Response> respond(Request& request, const RequestContext& context);
  void add_common_headers(Response& response, const RequestContext& context) const;

  IoPool& pool_;
  Handler handler_;
  const Snapshot<WebPolicy>& policy_;
  const Snapshot<tls::ServerContext>& tls_;
  ServerLimits limits_;
  std::atomic<std::size_t> connections_{0};
  std::vector<std::shared_ptr<Acceptor>> acceptors_;
};

}  // namespace lockline::http
