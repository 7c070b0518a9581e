#pragma once
// A TCP socket with tls::TlsStream's read_some/write_all, so one protocol loop serves both.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <utility>

namespace lockline::tls {

struct PlainStream {
  boost::asio::ip::tcp::socket& socket;

  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(
      void* data, std::size_t size);
  boost::asio::awaitable<boost::system::error_code> write_all(const void* data, std::size_t size);
};

}  // namespace lockline::tls
