#pragma once
// SDES keys (RFC 4568): the value of an SDP "a=crypto:" attribute, read and written.
#include "media/srtp_suite.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lockline::media {

struct SdesCrypto {
  unsigned tag;
  SrtpMasterKey key;
};

// Why a crypto attribute cannot be used, or nothing when it can.
enum class SdesRefusal { none, malformed, unknown_suite, bad_key, unsupported_parameter };

struct SdesParse {
  std::optional<SdesCrypto> crypto;
  SdesRefusal refusal = SdesRefusal::none;
};

// "1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key||salt>[|lifetime]": one key, no MKI and no
// session parameters (RFC 4568 §6.3: an offer with parameters we cannot honour is declined).
SdesParse parse_sdes(std::string_view value);
// The attribute value (after "a=crypto:") carrying key under tag.
std::string format_sdes(unsigned tag, const SrtpMasterKey& key);

}  // namespace lockline::media
