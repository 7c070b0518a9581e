#pragma once
// HTTP Digest for SIP (RFC 3261 §22, RFC 7616, RFC 8760): the hashes, HA1, and the expected
// response for qop=auth. Hex is lower case, as the RFCs' examples are.
#include <optional>
#include <string>
#include <string_view>

namespace lockline::sip {

enum class DigestAlgorithm { md5, sha256 };

// "MD5", "SHA-256" (case-insensitive; an empty name means MD5, RFC 7616 §3.3). The -sess
// variants are not offered and so not accepted.
std::optional<DigestAlgorithm> digest_algorithm(std::string_view name);
std::string_view digest_algorithm_name(DigestAlgorithm algorithm);

// Lower-case hex of the algorithm's hash over the concatenation of parts.
std::string digest_hex(DigestAlgorithm algorithm, std::initializer_list<std::string_view> parts);

// HA1 = H(username ":" realm ":" password)
std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password);

struct DigestAnswer {
  std::string_view method;  // the request's method
  std::string_view uri;     // the digest-uri the client sent
  std::string_view nonce, nc, cnonce, qop;
};

// response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri))
std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1,
                            const DigestAnswer& answer);

}  // namespace lockline::sip
