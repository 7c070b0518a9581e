#include "core/endpoint.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace lockline {

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view text, std::string_view field) {
  const auto bad = [&](std::string why) {
    return make_error("invalid address '" + std::string(text) + "': " + why, std::string(field));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected host:port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  boost::system::error_code address_error;
  boost::asio::ip::make_address(std::string(host), address_error);
  if (address_error) return bad("host must be a numeric IPv4 or IPv6 address");
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace lockline
