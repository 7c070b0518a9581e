#pragma once
// SIP over UDP, TCP and TLS (RFC 3261 §18). Each thread has its own UDP socket and acceptors on
// the shared ports (SO_REUSEPORT) and its own server transactions, so a request is read, parsed,
// matched and answered on one thread without locks. Responses over TCP/TLS go back on the
// connection the request came on (§18.2.2); over UDP to the Via's received/rport address.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/deadline.hpp"
#include "core/endpoint.hpp"
#include "core/io_pool.hpp"
#include "core/snapshot.hpp"
#include "sip/message.hpp"
#include "sip/parser.hpp"
#include "sip/peer.hpp"
#include "tls/server_context.hpp"

namespace lockline::sip {

struct Reply {
  int status = 0;
  std::string bytes;  // the whole response; empty sends nothing (an ACK gets no response)
  bool keep = true;   // kept for retransmissions; false for answers that change nothing
};

// The layer above (the transaction user): called once per new request, on the thread that
// read it. It must not block for long: every other request on that thread waits.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual Reply handle(const Message& request, const Peer& peer) = 0;
};

// The transaction user for dialogs (the B2BUA): INVITE, ACK, BYE, CANCEL, UPDATE, INFO and
// PRACK requests and every response go to it, posted to its executor, without transaction
// matching here: it keeps its own transactions, on its one thread.
class DialogHandler {
 public:
  virtual ~DialogHandler() = default;
  virtual boost::asio::any_io_executor executor() = 0;
  virtual void on_message(Message message, const Peer& peer) = 0;
};

struct ServerLimits {
  ParseLimits parse;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds message_timeout{32};  // from a message's first byte to its last
  std::chrono::seconds idle_timeout{900};    // between messages (CRLF keep-alives count)
  std::size_t max_connections = 10000;
  std::size_t max_queued_bytes = 1 << 20;  // per connection, waiting to be written
  std::size_t max_dialog_queue = 20000;    // messages waiting for the dialog handler
};

struct ServerCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> retransmissions{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> dropped{0};  // dialog messages beyond max_dialog_queue
};

class Server {
 public:
  Server(IoPool& pool, RequestHandler& handler, const Snapshot<tls::ServerContext>& tls,
         ServerLimits limits = {});
  ~Server();

  // Before listening: dialogs go to `handler` from then on (without one they are refused).
  void set_dialog_handler(DialogHandler* handler) { dialogs_ = handler; }

  // Each binds now (throws at start-up when it cannot) and returns the port bound.
  std::uint16_t listen_udp(const Endpoint& endpoint);
  std::uint16_t listen_tcp(const Endpoint& endpoint);
  std::uint16_t listen_tls(const Endpoint& endpoint);
  void stop();

  // Sends a message from any thread: over UDP from the SIP port; over TCP or TLS on the
  // connection the peer is on (phones behind NAT or without a TLS server of their own are
  // reachable on no other). False when there is no such listener or connection any more.
  bool send(const Peer& peer, std::string bytes);

  const ServerCounters& counters() const { return counters_; }

 private:
  struct Worker;
  struct Acceptor;
  struct Connection;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Acceptor> acceptor);
  boost::asio::awaitable<void> serve_tcp(boost::asio::ip::tcp::socket socket, Worker& worker);
  boost::asio::awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket, Worker& worker);
  template <class Stream>
  boost::asio::awaitable<void> serve_connection(Stream& stream,
                                                boost::asio::ip::tcp::socket& socket,
                                                Deadline& deadline, const Peer& peer,
                                                Worker& worker);
  template <class Stream>
  boost::asio::awaitable<void> read_loop(Stream& stream, Deadline& deadline, const Peer& peer,
                                         Worker& worker, Connection& connection);
  template <class Stream>
  boost::asio::awaitable<void> write_loop(Stream& stream, boost::asio::ip::tcp::socket& socket,
                                          Connection& connection);
  // True when the message went to the dialog handler.
  bool to_dialogs(Message& message, const Peer& peer);
  boost::asio::awaitable<void> udp_loop(Worker& worker);
  boost::asio::awaitable<void> timer_loop(Worker& worker);
  void on_datagram(Worker& worker, std::string_view bytes,
                   const boost::asio::ip::udp::endpoint& from);
  // Matches, handles and answers one parsed request; returns the bytes to send, if any.
  // `reply_to` is where a retransmission of the answer goes (UDP: the Via's address).
  const std::string* process(Worker& worker, const Message& request, const Peer& peer,
                             const Peer& reply_to);
  std::uint16_t listen_stream(const Endpoint& endpoint, Transport transport);

  IoPool& pool_;
  RequestHandler& handler_;
  const Snapshot<tls::ServerContext>& tls_;
  ServerLimits limits_;
  ServerCounters counters_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::uint64_t> next_connection_id_{1};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::shared_ptr<Acceptor>> acceptors_;
  DialogHandler* dialogs_ = nullptr;
  std::atomic<std::size_t> dialogs_queued_{0};
  std::mutex connections_mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connection_table_;
};

}  // namespace lockline::sip
