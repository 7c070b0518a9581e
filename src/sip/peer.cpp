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

std::string Peer::to_string() const {
  const auto host = address.to_string();
  return address.is_v6() ? "[" + host + "]:" + std::to_string(port)
                         : host + ":" + std::to_string(port);
}

}  // namespace lockline::sip
