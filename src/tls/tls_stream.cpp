#include "tls/tls_stream.hpp"

#include <openssl/err.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>

namespace lockline::tls {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

TlsStream::TlsStream(asio::ip::tcp::socket& socket, SSL_CTX* ctx)
    : socket_(socket), ssl_(SSL_new(ctx)) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  if (ssl_) {
    SSL_set_fd(ssl_, socket_.native_handle());
    SSL_set_accept_state(ssl_);
  }
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

asio::awaitable<error_code> TlsStream::wait_for(int ssl_error, int result) {
  auto wait = [&](asio::socket_base::wait_type type) -> asio::awaitable<error_code> {
    auto [ec] = co_await socket_.async_wait(type, asio::as_tuple(asio::use_awaitable));
    co_return ec;
  };
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
      co_return co_await wait(asio::socket_base::wait_read);
    case SSL_ERROR_WANT_WRITE:
      co_return co_await wait(asio::socket_base::wait_write);
    case SSL_ERROR_ZERO_RETURN:
      co_return asio::error::eof;
    case SSL_ERROR_SYSCALL:
      // result 0 with an empty error queue: the peer closed without close_notify.
      if (ERR_peek_error() == 0) {
        co_return result == 0 || errno == 0 ? error_code(asio::ssl::error::stream_truncated)
                                            : error_code(errno, boost::system::system_category());
      }
      [[fallthrough]];
    default: {
      const auto code = ERR_get_error();
      ERR_clear_error();
      co_return error_code(static_cast<int>(code), asio::error::get_ssl_category());
    }
  }
}

asio::awaitable<error_code> TlsStream::handshake() {
  if (!ssl_) co_return asio::error::no_memory;
  for (;;) {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) co_return error_code{};
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, result), result)) co_return ec;
  }
}

asio::awaitable<std::pair<error_code, std::size_t>> TlsStream::read_some(void* data,
                                                                         std::size_t size) {
  for (;;) {
    ERR_clear_error();
    std::size_t read = 0;
    const int result = SSL_read_ex(ssl_, data, size, &read);
    if (result == 1) co_return std::pair{error_code{}, read};
    auto ec = co_await wait_for(SSL_get_error(ssl_, result), result);
    if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
    if (ec) co_return std::pair{ec, std::size_t{0}};
  }
}

asio::awaitable<error_code> TlsStream::write_all(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  while (size > 0) {
    ERR_clear_error();
    std::size_t written = 0;
    // Retried with the same arguments after WANT_*, as OpenSSL requires.
    const int result = SSL_write_ex(ssl_, bytes, size, &written);
    if (result == 1) {
      bytes += written;
      size -= written;
      continue;
    }
    if (auto ec = co_await wait_for(SSL_get_error(ssl_, result), result)) co_return ec;
  }
  co_return error_code{};
}

void TlsStream::close_notify() {
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace lockline::tls
