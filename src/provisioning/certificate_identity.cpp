#include "provisioning/certificate_identity.hpp"

#include "provisioning/mac_address.hpp"

namespace lockline::provisioning {

std::optional<std::string> certificate_mac(pbx::Manufacturer manufacturer,
                                           const tls::PeerCertificate& certificate) {
  const std::string field = manufacturer == pbx::Manufacturer::cisco ? "ST" : "CN";
  std::optional<std::string> found;
  for (const auto& [name, value] : certificate.subject_fields) {
    if (name != field) continue;
    if (found) return std::nullopt;  // two of them: which one would it be?
    auto mac = normalize_mac(value);
    if (!mac) return std::nullopt;
    found = *mac;
  }
  return found;
}

}  // namespace lockline::provisioning
