#pragma once
// A server-side TLS connection driven straight on the socket: OpenSSL reads and writes the
// non-blocking descriptor itself, and we wait for readiness only when it asks. No BIO pair, no
// intermediate buffers, no extra handler hops (unlike asio::ssl::stream).
// One coroutine owns it: one operation at a time, on the socket's executor.
#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <utility>

namespace lockline::tls {

class TlsStream {
 public:
  // ctx is kept alive by the SSL object (reference counted by OpenSSL).
  TlsStream(boost::asio::ip::tcp::socket& socket, SSL_CTX* ctx);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  boost::asio::awaitable<boost::system::error_code> handshake();
  // Some bytes, or eof when the peer closed (cleanly or not).
  boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(
      void* data, std::size_t size);
  boost::asio::awaitable<boost::system::error_code> write_all(const void* data, std::size_t size);
  // Sends close_notify without waiting for the peer's.
  void close_notify();

  SSL* native_handle() { return ssl_; }

 private:
  // Waits for what OpenSSL asked for; an error code when it asked for nothing we can wait on.
  boost::asio::awaitable<boost::system::error_code> wait_for(int ssl_error, int result);

  boost::asio::ip::tcp::socket& socket_;
  SSL* ssl_;
};

}  // namespace lockline::tls
