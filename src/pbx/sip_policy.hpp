#pragma once
// The settings the SIP plane follows, as one immutable value the server republishes when an
// administrator changes one (see app/live_config).
#include <array>
#include <optional>
#include <string_view>

#include "pbx/manufacturer.hpp"

namespace lockline::pbx {

struct SipPolicy {
  // sip.digest_algorithms: SHA-256 then MD5 (RFC 8760), or MD5 alone for phones that give up
  // when a challenge set includes an algorithm they do not know.
  bool offer_sha256 = true;
  // sip.tls_srtp.<manufacturer>, in kManufacturers' order.
  std::array<bool, kManufacturers.size()> tls_srtp{};

  // The manufacturer whose handsets must use TLS and SRTP, when this User-Agent is one of them.
  std::optional<Manufacturer> requires_tls_srtp(std::string_view user_agent) const {
    const auto manufacturer = manufacturer_from_user_agent(user_agent);
    if (manufacturer && tls_srtp[static_cast<std::size_t>(*manufacturer)]) return manufacturer;
    return std::nullopt;
  }
};

}  // namespace lockline::pbx
