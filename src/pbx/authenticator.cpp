#include "pbx/authenticator.hpp"

#include <openssl/crypto.h>

#include "sip/digest.hpp"
#include "sip/header_values.hpp"

namespace lockline::pbx {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  // The length of a hex digest is public (it follows from the algorithm); the bytes are not.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

AuthResult Authenticator::check(const sip::Message& request, const sip::Peer& peer,
                                std::string_view realm, std::string_view user,
                                const Account& account, sip::HeaderId header) {
  // A request may carry credentials for several realms (RFC 3261 §22.3): ours is the one.
  std::optional<sip::DigestCredentials> found;
  for (const auto& h : request.headers()) {
    if (h.id != header) continue;
    auto credentials = sip::parse_digest_credentials(h.value);
    if (!credentials) return {AuthVerdict::malformed, credentials.error().message};
    if (credentials->realm == realm) {
      found = std::move(*credentials);
      break;
    }
  }
  if (!found) return {AuthVerdict::challenge, {}};
  const auto& c = *found;
  const auto algorithm = sip::digest_algorithm(c.algorithm);
  if (!algorithm) return {AuthVerdict::challenge, {}};
  if (!iequal(c.qop, "auth")) return {AuthVerdict::malformed, "Digest Without qop=auth"};
  const auto nc = sip::parse_nonce_count(c.nc);
  if (!nc || c.cnonce.empty()) return {AuthVerdict::malformed, "Malformed Digest nc or cnonce"};

  const auto& ha1 =
      *algorithm == sip::DigestAlgorithm::sha256 ? account.ha1_sha256 : account.ha1_md5;
  const auto expected = sip::digest_response(
      *algorithm, ha1, {request.method_text(), c.uri, c.nonce, c.nc, c.cnonce, c.qop});
  // Checked before the nonce, so that "stale" is only ever said to someone who knows the
  // password (RFC 7616 §3.3), and always in the same time whatever was wrong.
  const bool right = same_secret(expected, c.response) && c.username == user;
  if (!right) {
    throttle_.record_failure(peer.address, AuthThrottle::Clock::now());
    return {AuthVerdict::wrong, {}};
  }
  const auto nonce = nonces_.check(c.nonce);
  if (nonce.state != sip::NonceAuthority::State::valid) return {AuthVerdict::stale, {}};
  if (!nonces_.accept_count(nonce.serial, *nc)) return {AuthVerdict::stale, {}};
  return {AuthVerdict::authenticated, {}};
}

void Authenticator::record_unknown_user(const sip::Peer& peer) {
  throttle_.record_failure(peer.address, AuthThrottle::Clock::now());
}

std::string Authenticator::challenge(std::string_view realm, bool stale,
                                     std::string_view header_name) {
  std::string out;
  const bool sha256 = policy_.get()->offer_sha256;
  // One nonce serves both: it does not depend on the algorithm (RFC 8760 §2.4 allows it).
  const auto nonce = nonces_.mint();
  for (const auto algorithm : {sip::DigestAlgorithm::sha256, sip::DigestAlgorithm::md5}) {
    if (algorithm == sip::DigestAlgorithm::sha256 && !sha256) continue;
    out.append(header_name)
        .append(": Digest realm=\"")
        .append(realm)
        .append("\", qop=\"auth\", algorithm=")
        .append(sip::digest_algorithm_name(algorithm))
        .append(", nonce=\"")
        .append(nonce)
        .append("\", opaque=\"")
        .append(nonces_.opaque())
        .append(stale ? "\", stale=true\r\n" : "\"\r\n");
  }
  return out;
}

}  // namespace lockline::pbx
