#pragma once
// A server-side TLS connection on a non-blocking socket, without asio::ssl::stream's BIO pair
// and handler hops. OpenSSL writes to the descriptor itself (we wait for room only when it
// asks). It reads through a BIO over a small inbox that Asio fills: Asio's reactor then reads
// speculatively and waits for readiness without re-arming epoll (one epoll_ctl per wait when
// waiting with async_wait), and a request costs one recv instead of a failed read, an
// epoll_ctl and a read. One coroutine owns it: one operation at a time, on the socket's
// executor; SIP's reader and writer may both wait on it (the writer when OpenSSL must read to
// write, as for a TLS 1.3 KeyUpdate), so one receives into the inbox and the other waits.
#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstddef>
#include <optional>
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
  // Sends close_notify without waiting for the peer's; nothing when a read found the peer gone
  // (its close_notify, the end of the TCP stream, a reset) or broken: it reads no more, and on
  // a closed socket the alert only draws EPIPE or a reset. nginx does the same.
  void close_notify();

  SSL* native_handle() { return ssl_; }

 private:
  // Waits for what OpenSSL asked for (receives into the inbox when it wants to read); an error
  // code when it asked for nothing we can wait on, or the socket failed.
  boost::asio::awaitable<boost::system::error_code> wait_for(int ssl_error, int result);
  static int read_inbox(BIO* bio, char* out, std::size_t size, std::size_t* read);

  boost::asio::ip::tcp::socket& socket_;
  SSL* ssl_;
  // Received, not yet taken by OpenSSL: [inbox_begin_, inbox_end_). A request or a
  // ClientHello fits; a larger record is taken in several pieces.
  std::array<unsigned char, 4096> inbox_;
  std::size_t inbox_begin_ = 0;
  std::size_t inbox_end_ = 0;
  bool filling_ = false;  // a receive into the inbox is under way
  // Where an operation that also needs the inbox filled waits for that receive (made the first
  // time two operations wait at once: a SIP connection's writer; never on HTTP).
  std::optional<boost::asio::steady_timer> filled_;
  bool peer_closed_ = false;
};

}  // namespace lockline::tls
