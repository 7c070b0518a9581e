#pragma once
// What provisioning follows, from the settings and the config, republished on every change.
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "pbx/manufacturer.hpp"

namespace lockline::provisioning {

struct ProvisioningPolicy {
  bool https_only = false;                                  // provisioning.https
  std::array<bool, pbx::kManufacturers.size()> tls_srtp{};  // sip.tls_srtp.<manufacturer>
  std::string sip_server;                                   // where phones reach Lockline
  std::uint16_t sip_port = 5060;
  std::uint16_t sip_tls_port = 5061;
  std::string http_url;   // "http://<host>:<port>/provisioning/"
  std::string https_url;  // the mutual-TLS listener's
  std::string ntp_server = "pool.ntp.org";
  std::string trust_pem;  // what phones are to trust for Lockline's TLS: lockline-ca.pem
  std::map<std::string, pbx::Manufacturer> manufacturer_by_ca;  // by SHA-256 fingerprint

  bool requires_tls_srtp(pbx::Manufacturer m) const {
    return tls_srtp[static_cast<std::size_t>(m)];
  }
};

}  // namespace lockline::provisioning
