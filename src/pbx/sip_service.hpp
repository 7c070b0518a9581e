#pragma once
// What Lockline does with each SIP request (the transaction user of RFC 3261): the brute-force
// gate first, then per method. REGISTER goes to the registrar; OPTIONS is answered here (phones
// ping with it); calls come with the B2BUA.
#include "pbx/auth_throttle.hpp"
#include "pbx/registrar.hpp"
#include "sip/server.hpp"

namespace lockline::pbx {

class SipService : public sip::RequestHandler {
 public:
  SipService(AuthThrottle& throttle, Registrar& registrar)
      : throttle_(throttle), registrar_(registrar) {}

  sip::Reply handle(const sip::Message& request, const sip::Peer& peer) override;

 private:
  AuthThrottle& throttle_;
  Registrar& registrar_;
};

}  // namespace lockline::pbx
