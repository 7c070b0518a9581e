#include "sip/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>

#include "core/listener.hpp"
#include "sip/header_values.hpp"
#include "sip/response.hpp"
#include "sip/server_transactions.hpp"
#include "tls/plain_stream.hpp"
#include "tls/tls_stream.hpp"

namespace lockline::sip {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr auto kTimerTick = std::chrono::milliseconds(100);  // timer G's precision
constexpr std::size_t kDatagramsPerWakeup = 256;             // then let other work run
constexpr std::string_view kPong = "\r\n";                   // RFC 5626 §4.4.1

bool is_dialog_method(Method method) {
  switch (method) {
    case Method::invite:
    case Method::ack:
    case Method::bye:
    case Method::cancel:
    case Method::update:
    case Method::info:
    case Method::prack:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct Server::Worker {
  explicit Worker(asio::io_context& context) : timer(context) {}
  ServerTransactions transactions;
  asio::steady_timer timer;
  std::unique_ptr<udp::socket> udp_socket;
  std::string scratch;  // the last answer not kept by a transaction
  bool stopped = false;
};

// A TCP or TLS connection's way out. Answers and requests from any thread queue here and a
// writer of its own sends them in order, so reading never waits for a slow peer's window and a
// request can go out while the connection waits for the phone's next message.
struct Server::Connection {
  explicit Connection(const asio::any_io_executor& executor)
      : executor(executor), wake(executor, asio::steady_timer::time_point::max()) {}
  asio::any_io_executor executor;
  std::deque<std::string> outbox;
  std::size_t queued_bytes = 0;
  asio::steady_timer wake;  // the writer waits on it; cancelled when there is work
  bool closing = false;
  bool overflowed = false;

  // On the connection's thread.
  void push(std::string bytes, std::size_t limit) {
    if (closing) return;
    if (queued_bytes + bytes.size() > limit) {
      overflowed = closing = true;  // a peer that does not read: give up on it
    } else {
      queued_bytes += bytes.size();
      outbox.push_back(std::move(bytes));
    }
    wake.cancel();
  }
};

struct Server::Acceptor {
  explicit Acceptor(tcp::acceptor a, Transport t, Worker& w)
      : socket(std::move(a)), transport(t), worker(w) {}
  tcp::acceptor socket;
  Transport transport;
  Worker& worker;
};

Server::Server(IoPool& pool, RequestHandler& handler, const Snapshot<tls::ServerContext>& tls,
               ServerLimits limits)
    : pool_(pool), handler_(handler), tls_(tls), limits_(limits) {
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    workers_.push_back(std::make_unique<Worker>(pool_.at(i)));
    asio::co_spawn(pool_.at(i), timer_loop(*workers_.back()), asio::detached);
  }
}

Server::~Server() = default;

std::uint16_t Server::listen_udp(const Endpoint& endpoint) {
  std::uint16_t port = endpoint.port;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& worker = *workers_[i];
    if (worker.udp_socket) throw std::logic_error("one SIP UDP listener per server");
    worker.udp_socket =
        std::make_unique<udp::socket>(open_shared_udp_socket(pool_.at(i), endpoint.host, port));
    port = worker.udp_socket->local_endpoint().port();
    asio::co_spawn(pool_.at(i), udp_loop(worker), asio::detached);
  }
  spdlog::info("listening for SIP over UDP on {}", Endpoint{endpoint.host, port}.to_string());
  return port;
}

std::uint16_t Server::listen_tcp(const Endpoint& endpoint) {
  return listen_stream(endpoint, Transport::tcp);
}

std::uint16_t Server::listen_tls(const Endpoint& endpoint) {
  return listen_stream(endpoint, Transport::tls);
}

std::uint16_t Server::listen_stream(const Endpoint& endpoint, Transport transport) {
  std::uint16_t port = endpoint.port;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto acceptor = std::make_shared<Acceptor>(
        open_shared_acceptor(pool_.at(i), endpoint.host, port), transport, *workers_[i]);
    port = acceptor->socket.local_endpoint().port();
    acceptors_.push_back(acceptor);
    asio::co_spawn(pool_.at(i), accept_loop(acceptor), asio::detached);
  }
  spdlog::info("listening for SIP over {} on {}", transport == Transport::tls ? "TLS" : "TCP",
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
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    asio::post(pool_.at(i), [worker = workers_[i].get()] {
      worker->stopped = true;
      worker->timer.cancel();
      boost::system::error_code ignored;
      if (worker->udp_socket) worker->udp_socket->close(ignored);
    });
  }
}

const std::string* Server::process(Worker& worker, const Message& request, const Peer& peer,
                                   const Peer& reply_to) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  const auto now = ServerTransactions::Clock::now();
  const auto match = worker.transactions.on_request(request, now);
  if (match.verdict == ServerTransactions::Verdict::resend) {
    counters_.retransmissions.fetch_add(1, std::memory_order_relaxed);
    return match.response;
  }
  if (match.verdict == ServerTransactions::Verdict::absorbed) return nullptr;
  Reply reply;
  try {
    reply = handler_.handle(request, peer);
  } catch (const std::exception& e) {
    // A store failure, say: the client may retry; the details stay in our log.
    spdlog::error("SIP {} from {} failed: {}", request.method_text(), peer.to_string(), e.what());
    reply = {500, {}, false};
    build_response(reply.bytes, request, peer, 500, "Server Internal Error");
  }
  if (reply.bytes.empty()) return nullptr;
  if (reply.keep) {
    if (const auto* kept = worker.transactions.answered(request, reply_to, reply.status,
                                                        std::move(reply.bytes), now)) {
      return kept;
    }
  }
  worker.scratch = std::move(reply.bytes);
  return &worker.scratch;
}

asio::awaitable<void> Server::timer_loop(Worker& worker) {
  const auto send = [&worker](const Peer& peer, const std::string& bytes) {
    if (!worker.udp_socket) return;
    boost::system::error_code ignored;
    worker.udp_socket->send_to(asio::buffer(bytes), udp::endpoint(peer.address, peer.port), 0,
                               ignored);
  };
  while (!worker.stopped) {
    worker.timer.expires_after(kTimerTick);
    auto [ec] = co_await worker.timer.async_wait(use_nothrow);
    if (ec) co_return;
    worker.transactions.run_timers(ServerTransactions::Clock::now(), send);
  }
}

// Waits until the socket is readable, then reads what is queued without waiting again, several
// datagrams per system call: one wake-up serves a burst. A read that returns fewer datagrams
// than it had room for has emptied the queue (a later one wakes the socket again), which spares
// the read that would only say "would block".
asio::awaitable<void> Server::udp_loop(Worker& worker) {
  udp::socket& socket = *worker.udp_socket;
  constexpr std::size_t kBatch = 8;
  const std::size_t size = limits_.parse.message_bytes + 1;  // one more: too large is seen
  std::vector<char> buffers(kBatch * size);
  std::array<iovec, kBatch> vectors{};
  std::array<sockaddr_storage, kBatch> sources{};
  std::array<mmsghdr, kBatch> datagrams{};
  for (;;) {
    auto [ec] = co_await socket.async_wait(udp::socket::wait_read, use_nothrow);
    if (ec || !socket.is_open()) co_return;
    for (std::size_t read = 0; read < kDatagramsPerWakeup; read += kBatch) {
      for (std::size_t i = 0; i < kBatch; ++i) {
        vectors[i] = {buffers.data() + i * size, size};
        datagrams[i].msg_hdr = {};
        datagrams[i].msg_hdr.msg_name = &sources[i];
        datagrams[i].msg_hdr.msg_namelen = sizeof sources[i];
        datagrams[i].msg_hdr.msg_iov = &vectors[i];
        datagrams[i].msg_hdr.msg_iovlen = 1;
      }
      const int n =
          ::recvmmsg(socket.native_handle(), datagrams.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (!socket.is_open()) co_return;
        continue;  // an ICMP error for an earlier send, say
      }
      for (int i = 0; i < n; ++i) {
        udp::endpoint from;
        const auto length =
            std::min<std::size_t>(datagrams[i].msg_hdr.msg_namelen, from.capacity());
        std::memcpy(from.data(), &sources[i], length);
        from.resize(length);
        on_datagram(worker, {buffers.data() + i * size, datagrams[i].msg_len}, from);
      }
      if (static_cast<std::size_t>(n) < kBatch) break;
    }
  }
}

void Server::on_datagram(Worker& worker, std::string_view bytes, const udp::endpoint& from) {
  if (bytes.find_first_not_of("\r\n") == std::string_view::npos) return;  // a keep-alive
  boost::system::error_code ignored;
  auto message = parse_message(bytes, limits_.parse);
  if (!message) {
    counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    const auto answer = build_error_response(bytes, message.error().message);
    if (!answer.empty()) worker.udp_socket->send_to(asio::buffer(answer), from, 0, ignored);
    return;
  }
  const Peer peer{Transport::udp, from.address(), from.port(), 0};
  if (to_dialogs(*message, peer)) return;
  if (!message->is_request()) return;  // a response with no dialog layer to take it
  const Peer reply_to = reply_destination(*message, peer);
  if (const auto* answer = process(worker, *message, peer, reply_to)) {
    worker.udp_socket->send_to(asio::buffer(*answer),
                               udp::endpoint(reply_to.address, reply_to.port), 0, ignored);
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Acceptor> acceptor) {
  while (acceptor->socket.is_open()) {
    auto [ec, socket] = co_await acceptor->socket.async_accept(use_nothrow);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("SIP accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor->socket.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    if (connections_.load() >= limits_.max_connections) continue;  // closes the socket
    const auto executor = socket.get_executor();
    if (acceptor->transport == Transport::tls) {
      asio::co_spawn(executor, serve_tls(std::move(socket), acceptor->worker), asio::detached);
    } else {
      asio::co_spawn(executor, serve_tcp(std::move(socket), acceptor->worker), asio::detached);
    }
  }
}

asio::awaitable<void> Server::serve_tcp(tcp::socket socket, Worker& worker) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  const Peer peer{Transport::tcp, remote.address(), remote.port(), next_connection_id_++};
  tls::PlainStream stream{socket};
  Deadline deadline(socket);
  co_await serve_connection(stream, socket, deadline, peer, worker);
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Server::serve_tls(tcp::socket socket, Worker& worker) {
  ConnectionSlot slot(connections_);
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  const Peer peer{Transport::tls, remote.address(), remote.port(), next_connection_id_++};
  Deadline deadline(socket);
  // The connection keeps the context it started with; a new certificate serves later ones.
  tls::TlsStream stream(socket, tls_.get()->ssl->native_handle());
  deadline.expires_after(limits_.handshake_timeout);
  if (auto handshake_error = co_await stream.handshake()) {
    spdlog::debug("SIP TLS handshake from {} failed: {}", peer.to_string(),
                  handshake_error.message());
    co_return;
  }
  co_await serve_connection(stream, socket, deadline, peer, worker);
  stream.close_notify();
}

// Reads and writes side by side until both are done: the reader ends on the peer's close, an
// error or a timeout and lets the writer finish what is queued; a failed write shuts the socket,
// which ends the reader.
template <class Stream>
asio::awaitable<void> Server::serve_connection(Stream& stream, tcp::socket& socket,
                                               Deadline& deadline, const Peer& peer,
                                               Worker& worker) {
  using namespace asio::experimental::awaitable_operators;
  auto connection = std::make_shared<Connection>(socket.get_executor());
  {
    std::lock_guard lock(connections_mutex_);
    connection_table_[peer.connection_id] = connection;
  }
  co_await (read_loop(stream, deadline, peer, worker, *connection) &&
            write_loop(stream, socket, *connection));
  std::lock_guard lock(connections_mutex_);
  connection_table_.erase(peer.connection_id);
}

template <class Stream>
asio::awaitable<void> Server::write_loop(Stream& stream, tcp::socket& socket,
                                         Connection& connection) {
  Deadline deadline(socket);
  for (;;) {
    if (connection.outbox.empty()) {
      if (connection.closing) break;
      connection.wake.expires_at(asio::steady_timer::time_point::max());
      co_await connection.wake.async_wait(use_nothrow);  // cancelled by push and by closing
      continue;
    }
    const std::string bytes = std::move(connection.outbox.front());
    connection.outbox.pop_front();
    connection.queued_bytes -= bytes.size();
    deadline.expires_after(limits_.message_timeout);
    if (co_await stream.write_all(bytes.data(), bytes.size())) {
      connection.overflowed = true;  // a failed write: the connection is of no more use
      break;
    }
    deadline.expires_after(std::chrono::hours(24 * 365));  // nothing to write: no deadline
  }
  connection.closing = true;
  if (connection.overflowed || !connection.outbox.empty()) {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);  // ends the reader too
  }
}

bool Server::send(const Peer& peer, std::string bytes) {
  if (peer.transport == Transport::udp) {
    if (workers_.empty() || !workers_.front()->udp_socket) return false;
    const udp::endpoint to(peer.address, peer.port);
    // A plain system call, safe from any thread on a socket another thread reads.
    return ::sendto(workers_.front()->udp_socket->native_handle(), bytes.data(), bytes.size(), 0,
                    to.data(), static_cast<socklen_t>(to.size())) >= 0;
  }
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(connections_mutex_);
    const auto it = connection_table_.find(peer.connection_id);
    if (it != connection_table_.end()) connection = it->second.lock();
  }
  if (!connection) return false;
  const auto executor = connection->executor;
  asio::post(executor, [connection = std::move(connection), bytes = std::move(bytes),
                        limit = limits_.max_queued_bytes]() mutable {
    connection->push(std::move(bytes), limit);
  });
  return true;
}

bool Server::to_dialogs(Message& message, const Peer& peer) {
  if (!dialogs_ || (message.is_request() && !is_dialog_method(message.method()))) return false;
  // Bounded: under a flood, what the call thread cannot take is dropped here (UDP peers
  // retransmit; an INVITE over TCP/TLS is answered 503 so the caller knows).
  if (dialogs_queued_.load(std::memory_order_relaxed) >= limits_.max_dialog_queue) {
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
    if (message.is_request() && message.method() == Method::invite && is_reliable(peer.transport)) {
      std::string busy;
      build_response(busy, message, peer, 503, "Service Unavailable", "Retry-After: 5\r\n");
      send(peer, std::move(busy));
    }
    return true;
  }
  dialogs_queued_.fetch_add(1, std::memory_order_relaxed);
  asio::post(dialogs_->executor(), [this, message = std::move(message), peer]() mutable {
    dialogs_queued_.fetch_sub(1, std::memory_order_relaxed);
    dialogs_->on_message(std::move(message), peer);
  });
  return true;
}

// One connection's reading, top to bottom: answer keep-alives, frame a message by its
// Content-Length, parse it, answer it on this connection. A framing error closes the connection
// (there is no telling where the next message starts); a message that frames but does not parse
// gets a 400.
template <class Stream>
asio::awaitable<void> Server::read_loop(Stream& stream, Deadline& deadline, const Peer& peer,
                                        Worker& worker, Connection& connection) {
  std::string buffer;
  std::array<char, 16 * 1024> chunk;
  std::string answer;
  const auto send = [&](std::string_view bytes) {
    connection.push(std::string(bytes), limits_.max_queued_bytes);
    return !connection.closing;
  };
  const auto finish = [&connection] {
    connection.closing = true;
    connection.wake.cancel();
  };
  for (;;) {
    // CRLFs before a message: each CRLFCRLF is a ping that gets a CRLF pong.
    const auto crlfs = std::min(buffer.find_first_not_of("\r\n"), buffer.size());
    if (crlfs > 0) {
      const bool all = crlfs == buffer.size();
      const std::size_t consumed = all ? crlfs - crlfs % 4 : crlfs;
      for (std::size_t pings = consumed / 4; pings > 0; --pings) {
        if (!send(kPong)) co_return finish();
      }
      buffer.erase(0, consumed);
    }
    if (!buffer.empty() && buffer.front() != '\r' && buffer.front() != '\n') {
      const auto size = stream_message_size(buffer, limits_.parse);
      if (!size) {
        counters_.malformed.fetch_add(1, std::memory_order_relaxed);
        answer = build_error_response(buffer, size.error().message);
        if (!answer.empty()) send(answer);
        co_return finish();
      }
      if (*size > 0) {
        auto message = parse_message(std::string_view(buffer).substr(0, *size), limits_.parse);
        answer.clear();
        if (!message) {
          counters_.malformed.fetch_add(1, std::memory_order_relaxed);
          answer = build_error_response(std::string_view(buffer).substr(0, *size),
                                        message.error().message);
        } else if (!to_dialogs(*message, peer) && message->is_request()) {
          if (const auto* bytes = process(worker, *message, peer, peer)) answer = *bytes;
        }
        buffer.erase(0, *size);
        if (!answer.empty() && !send(answer)) co_return finish();
        if (!buffer.empty()) deadline.expires_after(limits_.message_timeout);  // the next one
        continue;
      }
    }
    // Idle between messages; once a message has begun, its deadline runs from its first byte.
    const bool between_messages = buffer.empty();
    if (between_messages) deadline.expires_after(limits_.idle_timeout);
    auto [ec, n] = co_await stream.read_some(chunk.data(), chunk.size());
    if (ec) co_return finish();
    buffer.append(chunk.data(), n);
    if (between_messages) deadline.expires_after(limits_.message_timeout);
  }
}

}  // namespace lockline::sip
