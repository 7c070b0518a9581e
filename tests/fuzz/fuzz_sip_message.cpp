// Any bytes as a SIP datagram or stream: a message or a 400 reason, never a crash, hang or
// unbounded allocation. A message that parses is read the way the layers above read it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/header_values.hpp"
#include "sip/parser.hpp"
#include "sip/response.hpp"

using namespace lockline::sip;

namespace {

void read_like_the_layers_above(const Message& message) {
  const Peer peer{Transport::udp, boost::asio::ip::make_address("192.0.2.1"), 5060, 0};
  (void)parse_via(message.header(HeaderId::via));
  (void)parse_sip_uri(message.request_uri());
  for (const auto& header : message.headers()) {
    switch (header.id) {
      case HeaderId::from:
      case HeaderId::to:
      case HeaderId::contact:
        for (const auto element : split_list(header.value)) {
          if (auto addr = parse_name_addr(element)) {
            (void)parse_sip_uri(addr->uri);
            (void)find_param(addr->params, "expires");
          }
        }
        break;
      case HeaderId::authorization:
      case HeaderId::proxy_authorization:
        (void)parse_digest_credentials(header.value);
        break;
      default:
        break;
    }
  }
  if (message.is_request()) {
    std::string response;
    build_response(response, message, peer, 200, "OK", "Contact: <sip:a@b>\r\n");
    if (!parse_message(response, {})) __builtin_trap();  // what we send must parse
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ParseLimits limits;
  auto message = parse_message(bytes, limits);
  if (message) {
    read_like_the_layers_above(*message);
  } else {
    if (message.error().message.empty()) __builtin_trap();
    (void)build_error_response(bytes, message.error().message);
  }
  if (auto framed = stream_message_size(bytes, limits); framed && *framed > bytes.size()) {
    __builtin_trap();
  }
  return 0;
}
