#pragma once
// The settings the SIP plane follows, as one immutable value the server republishes when an
// administrator changes one (see app/live_config).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pbx/manufacturer.hpp"

namespace lockline::pbx {

struct SipPolicy {
  // sip.digest_algorithms: SHA-256 then MD5 (RFC 8760), or MD5 alone for phones that give up
  // when a challenge set includes an algorithm they do not know.
  bool offer_sha256 = true;
  // sip.tls_srtp.<manufacturer>, in kManufacturers' order.
  std::array<bool, kManufacturers.size()> tls_srtp{};

  // The provisioning registry: the manufacturers of the handsets registered for an extension,
  // by registry_key(tenant, extension), one bit per manufacturer (kManufacturers' order).
  std::unordered_map<std::string, unsigned> registry;

  static std::string registry_key(std::int64_t tenant_id, std::string_view extension) {
    return std::to_string(tenant_id) + ":" + std::string(extension);
  }

  // The manufacturer whose handsets must use TLS and SRTP, when the phone is one of them: known
  // from the registry (the handsets registered for its extension) and from its User-Agent. Both
  // count: a phone cannot escape the rule by changing its User-Agent, nor by not being listed.
  std::optional<Manufacturer> requires_tls_srtp(std::string_view user_agent,
                                                std::int64_t tenant_id = 0,
                                                std::string_view extension = {}) const {
    if (!extension.empty()) {
      if (const auto it = registry.find(registry_key(tenant_id, extension)); it != registry.end()) {
        for (std::size_t i = 0; i < kManufacturers.size(); ++i) {
          if ((it->second >> i & 1U) && tls_srtp[i]) return kManufacturers[i];
        }
      }
    }
    const auto manufacturer = manufacturer_from_user_agent(user_agent);
    if (manufacturer && tls_srtp[static_cast<std::size_t>(*manufacturer)]) return manufacturer;
    return std::nullopt;
  }
};

}  // namespace lockline::pbx
