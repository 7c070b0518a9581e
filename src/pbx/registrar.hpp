#pragma once
// REGISTER (RFC 3261 §10.3): find the extension, authenticate, then add, refresh or remove its
// contacts in the location service, answering 200 with every current binding and its expiry.
#include <cstdint>

#include "pbx/authenticator.hpp"
#include "pbx/directory.hpp"
#include "pbx/location.hpp"
#include "pbx/sip_policy.hpp"
#include "sip/server.hpp"

namespace lockline::pbx {

struct RegistrarLimits {
  std::int64_t default_expires = 3600;
  std::int64_t min_expires = 60;    // shorter gets 423 (§10.3 step 7)
  std::int64_t max_expires = 7200;  // longer is shortened
};

class Registrar {
 public:
  Registrar(const Directory& directory, Location& location, Authenticator& authenticator,
            const Snapshot<SipPolicy>& policy, RegistrarLimits limits = {})
      : directory_(directory),
        location_(location),
        auth_(authenticator),
        policy_(policy),
        limits_(limits) {}

  sip::Reply handle(const sip::Message& request, const sip::Peer& peer);

 private:
  const Directory& directory_;
  Location& location_;
  Authenticator& auth_;
  const Snapshot<SipPolicy>& policy_;
  RegistrarLimits limits_;
};

}  // namespace lockline::pbx
