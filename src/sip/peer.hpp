#pragma once
// Where a SIP message came from: the transport and the packet's source address (never one
// taken from the message), and for TCP/TLS the connection it arrived on.
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace lockline::sip {

enum class Transport : std::uint8_t { udp, tcp, tls };

std::string_view transport_name(Transport transport);  // "udp", "tcp", "tls"
inline bool is_reliable(Transport transport) { return transport != Transport::udp; }

struct Peer {
  Transport transport = Transport::udp;
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  std::uint64_t connection_id = 0;  // 0 for UDP

  std::string to_string() const;  // "192.0.2.1:5060", "[2001:db8::1]:5060"
};

// Appends "192.0.2.1" or "2001:db8::1". IPv4 is written here: inet_ntop formats it with sprintf,
// a measurable share of a registration's CPU (every response stamps the Via with it).
void append_address(std::string& out, const boost::asio::ip::address& address);

}  // namespace lockline::sip
