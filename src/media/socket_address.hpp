#pragma once
// An IPv4 or IPv6 UDP address as the socket calls take it, without Asio in the packet path.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lockline::media {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  // A numeric address ("192.0.2.1", "::1") and port; nullopt for anything else.
  static std::optional<SocketAddress> from(std::string_view ip, std::uint16_t port);

  bool empty() const { return length == 0; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  std::uint16_t port() const;
  std::string to_string() const;  // "192.0.2.1:4000", "[::1]:4000"

  bool operator==(const SocketAddress& other) const;
  bool same_host(const SocketAddress& other) const;  // the IP address alone
};

}  // namespace lockline::media
