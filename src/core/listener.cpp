#include "core/listener.hpp"

#include <stdexcept>

namespace lockline {

namespace asio = boost::asio;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

namespace {

// Binding fails at start-up (a port in use, an address not on this host): say which one.
template <class Open>
auto open_named(const std::string& host, std::uint16_t port, const char* protocol, Open open) {
  try {
    return open();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + Endpoint{host, port}.to_string() + " (" +
                             protocol + "): " + e.code().message());
  }
}

}  // namespace

asio::ip::tcp::acceptor open_shared_acceptor(asio::io_context& context, const std::string& host,
                                             std::uint16_t port) {
  return open_named(host, port, "tcp", [&] {
    const asio::ip::tcp::endpoint address(asio::ip::make_address(host), port);
    asio::ip::tcp::acceptor acceptor(context);
    acceptor.open(address.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor.set_option(reuse_port(true));
    acceptor.bind(address);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
  });
}

asio::ip::udp::socket open_shared_udp_socket(asio::io_context& context, const std::string& host,
                                             std::uint16_t port) {
  return open_named(host, port, "udp", [&] {
    const asio::ip::udp::endpoint address(asio::ip::make_address(host), port);
    asio::ip::udp::socket socket(context);
    socket.open(address.protocol());
    socket.set_option(asio::socket_base::reuse_address(true));
    socket.set_option(reuse_port(true));
    // Bursts of datagrams wait in the kernel while a thread is busy: give them room.
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
    socket.set_option(asio::socket_base::send_buffer_size(1 << 20), ignored);
    socket.bind(address);
    socket.non_blocking(true);
    return socket;
  });
}

}  // namespace lockline
