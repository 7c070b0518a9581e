#pragma once
// Which handset a manufacturer's factory certificate belongs to: the MAC in the subject field
// that manufacturer puts it in (docs/PROVISIONING.md says where each rule comes from):
//   Cisco MPP: stateOrProvinceName, which Cisco's documents show as "S=<mac>";
//   Yealink, Poly, Snom, Grandstream: the common name.
// A certificate whose field is not one MAC is not bound to one handset (a generic certificate,
// shared by a model or a firmware) and identifies nobody.
#include <optional>
#include <string>

#include "pbx/manufacturer.hpp"
#include "tls/peer_certificate.hpp"

namespace lockline::provisioning {

std::optional<std::string> certificate_mac(pbx::Manufacturer manufacturer,
                                           const tls::PeerCertificate& certificate);

}  // namespace lockline::provisioning
