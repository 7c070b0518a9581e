#pragma once
// What every listener shares: sockets bound with SO_REUSEPORT (one per thread on the same port,
// so the kernel spreads connections and datagrams over the threads and nothing hops between
// them) and a count of live connections.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/endpoint.hpp"

namespace lockline {

// port 0 picks a free port; pass the first socket's port to the next ones. Throws at start-up
// when the address cannot be bound.
boost::asio::ip::tcp::acceptor open_shared_acceptor(boost::asio::io_context& context,
                                                    const std::string& host, std::uint16_t port);
boost::asio::ip::udp::socket open_shared_udp_socket(boost::asio::io_context& context,
                                                    const std::string& host, std::uint16_t port);

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

}  // namespace lockline
