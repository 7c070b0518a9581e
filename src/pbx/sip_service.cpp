#include "pbx/sip_service.hpp"

#include "sip/response.hpp"

namespace lockline::pbx {

namespace {

constexpr std::string_view kAllow = "Allow: REGISTER, OPTIONS, ACK\r\n";

sip::Reply reply(const sip::Message& request, const sip::Peer& peer, int status,
                 std::string_view reason, std::string_view headers = {}, bool keep = true) {
  sip::Reply r{status, {}, keep};
  sip::build_response(r.bytes, request, peer, status, reason, headers);
  return r;
}

}  // namespace

sip::Reply SipService::handle(const sip::Message& request, const sip::Peer& peer) {
  using sip::Method;
  if (request.method() == Method::ack) return {};  // never answered (§17.2.3)
  if (throttle_.blocked_for(peer.address, AuthThrottle::Clock::now())) {
    return reply(request, peer, 403, "Too Many Failed Authentications", {}, false);
  }
  if (!request.header(sip::HeaderId::require).empty() && request.method() != Method::cancel) {
    // No extension is supported yet: every option-tag is unsupported (§8.2.2.3).
    std::string unsupported = "Unsupported: ";
    unsupported.append(request.header(sip::HeaderId::require)).append("\r\n");
    return reply(request, peer, 420, "Bad Extension", unsupported);
  }
  switch (request.method()) {
    case Method::register_:
      return registrar_.handle(request, peer);
    case Method::options:
      return reply(request, peer, 200, "OK", kAllow);
    case Method::bye:
    case Method::cancel:
      return reply(request, peer, 481, "Call/Transaction Does Not Exist");
    case Method::unknown:
      return reply(request, peer, 501, "Not Implemented", kAllow);
    default:
      return reply(request, peer, 405, "Method Not Allowed", kAllow);
  }
}

}  // namespace lockline::pbx
