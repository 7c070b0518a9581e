#include "sip/peer.hpp"

namespace lockline::sip {

std::string_view transport_name(Transport transport) {
  switch (transport) {
    case Transport::udp:
      return "udp";
    case Transport::tcp:
      return "tcp";
    case Transport::tls:
      return "tls";
  }
  return "udp";
}

void append_address(std::string& out, const boost::asio::ip::address& address) {
  if (!address.is_v4()) {
    out += address.to_string();
    return;
  }
  const auto bytes = address.to_v4().to_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += '.';
    const unsigned value = bytes[i];
    if (value >= 100) out += static_cast<char>('0' + value / 100);
    if (value >= 10) out += static_cast<char>('0' + value / 10 % 10);
    out += static_cast<char>('0' + value % 10);
  }
}

std::string Peer::to_string() const {
  std::string out;
  if (address.is_v6()) out += '[';
  append_address(out, address);
  if (address.is_v6()) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

}  // namespace lockline::sip
