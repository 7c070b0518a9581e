#include "tls/tls_stream.hpp"

#include <openssl/err.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lockline::tls {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

BIO_METHOD* make_inbox_method(int (*read)(BIO*, char*, std::size_t, std::size_t*)) {
  BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "inbox");
  if (method == nullptr) return nullptr;
  BIO_meth_set_read_ex(method, read);
  // Only flush is asked of a read BIO; everything else is "not supported".
  BIO_meth_set_ctrl(method, [](BIO*, int command, long, void*) -> long {
    return command == BIO_CTRL_FLUSH ? 1 : 0;
  });
  BIO_meth_set_create(method, [](BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  });
  return method;
}

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket& socket, SSL_CTX* ctx)
    : socket_(socket), ssl_(SSL_new(ctx)) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  static BIO_METHOD* const inbox_method = make_inbox_method(&TlsStream::read_inbox);
  BIO* reader = inbox_method ? BIO_new(inbox_method) : nullptr;
  BIO* writer = BIO_new_socket(socket_.native_handle(), BIO_NOCLOSE);
  if (ssl_ == nullptr || reader == nullptr || writer == nullptr) {
    BIO_free(reader);
    BIO_free(writer);
    SSL_free(ssl_);
    ssl_ = nullptr;  // every operation then fails with no_memory
    return;
  }
  BIO_set_data(reader, this);
  SSL_set_bio(ssl_, reader, writer);
  SSL_set_accept_state(ssl_);
}

int TlsStream::read_inbox(BIO* bio, char* out, std::size_t size, std::size_t* read) {
  auto& self = *static_cast<TlsStream*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const std::size_t available = self.inbox_end_ - self.inbox_begin_;
  if (available == 0) {
    BIO_set_retry_read(bio);  // SSL_ERROR_WANT_READ: wait_for receives more
    return 0;
  }
  const std::size_t n = std::min(size, available);
  std::memcpy(out, self.inbox_.data() + self.inbox_begin_, n);
  self.inbox_begin_ += n;
  *read = n;
  return 1;
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

asio::awaitable<error_code> TlsStream::wait_for(int ssl_error, int result) {
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ: {
      if (filling_) {
        // The other operation is receiving into the inbox: wait for it, then try again.
        if (!filled_) filled_.emplace(socket_.get_executor());
        filled_->expires_at(asio::steady_timer::time_point::max());
        (void)co_await filled_->async_wait(asio::as_tuple(asio::use_awaitable));
        co_return error_code{};
      }
      // OpenSSL took the whole inbox; a peer's end of stream comes back as eof.
      filling_ = true;
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(inbox_),
                                                      asio::as_tuple(asio::use_awaitable));
      filling_ = false;
      inbox_begin_ = 0;
      inbox_end_ = ec ? 0 : n;
      if (filled_) filled_->cancel();
      co_return ec;
    }
    case SSL_ERROR_WANT_WRITE: {
      auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_write,
                                              asio::as_tuple(asio::use_awaitable));
      co_return ec;
    }
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
    // The peer ended it (close_notify, FIN, reset) or broke it: no alert will reach it. Only
    // our own timeout (operation_aborted) leaves it listening for our close_notify.
    if (ec && ec != asio::error::operation_aborted) peer_closed_ = true;
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
  if (peer_closed_) return;
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace lockline::tls
