#include "tls/plain_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace lockline::tls {

namespace asio = boost::asio;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<std::pair<boost::system::error_code, std::size_t>> PlainStream::read_some(
    void* data, std::size_t size) {
  auto [ec, n] = co_await socket.async_read_some(asio::buffer(data, size), use_nothrow);
  co_return std::pair{ec, n};
}

asio::awaitable<boost::system::error_code> PlainStream::write_all(const void* data,
                                                                  std::size_t size) {
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(data, size), use_nothrow);
  co_return ec;
}

}  // namespace lockline::tls
