#include "core/listener.hpp"

namespace lockline {

namespace asio = boost::asio;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

asio::ip::tcp::acceptor open_shared_acceptor(asio::io_context& context, const std::string& host,
                                             std::uint16_t port) {
  const asio::ip::tcp::endpoint address(asio::ip::make_address(host), port);
  asio::ip::tcp::acceptor acceptor(context);
  acceptor.open(address.protocol());
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.set_option(reuse_port(true));
  acceptor.bind(address);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor;
}

asio::ip::udp::socket open_shared_udp_socket(asio::io_context& context, const std::string& host,
                                             std::uint16_t port) {
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
}

}  // namespace lockline
