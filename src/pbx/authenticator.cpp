#include "pbx/authenticator.hpp"

#include <openssl/crypto.h>

#include <array>

#include "pbx/handset_quirks.hpp"
#include "sip/digest.hpp"
#include "sip/header_values.hpp"
#include "sip/text.hpp"

namespace lockline::pbx {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  // The length of a hex digest is public (it follows from the algorithm); the bytes are not.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The bytes of a packet's source address, which our nonces are bound to.
class SourceBytes {
 public:
  explicit SourceBytes(const boost::asio::ip::address& address) {
    if (address.is_v4()) {
      const auto v4 = address.to_v4().to_bytes();
      size_ = v4.size();
      std::copy(v4.begin(), v4.end(), bytes_.begin());
    } else {
      bytes_ = address.to_v6().to_bytes();
      size_ = bytes_.size();
    }
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes_.data()), size_}; }

 private:
  std::array<unsigned char, 16> bytes_{};
  std::size_t size_ = 0;
};

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
  if (!sip::iequals(c.qop, "auth")) return {AuthVerdict::malformed, "Digest Without qop=auth"};
  const auto nc = sip::parse_nonce_count(c.nc);
  if (!nc || c.cnonce.empty()) return {AuthVerdict::malformed, "Malformed Digest nc or cnonce"};

  const auto& ha1 =
      *algorithm == sip::DigestAlgorithm::sha256 ? account.ha1_sha256 : account.ha1_md5;
  const auto expected = sip::digest_response(
      *algorithm, ha1, {request.method_text(), c.uri, c.nonce, c.nc, c.cnonce, c.qop});
  const bool right = same_secret(expected, c.response) && c.username == user;
  const auto nonce = nonces_.check(c.nonce, SourceBytes(peer.address).view());
  // A nonce we did not send to this address earns a plain challenge, right or wrong: counting
  // it would let a spoofed UDP source get a phone's address blocked, and saying "stale" would
  // tell a guesser which password was right without counting the guess.
  if (nonce.state == sip::NonceAuthority::State::forged) return {AuthVerdict::challenge, {}};
  if (!right) {
    throttle_.record_failure(peer.address, AuthThrottle::Clock::now());
    return {AuthVerdict::wrong, {}};
  }
  // "stale" only ever goes to someone who knows the password (RFC 7616 §3.3).
  if (nonce.state != sip::NonceAuthority::State::valid) return {AuthVerdict::stale, {}};
  if (!nonces_.accept_count(nonce.serial, *nc)) return {AuthVerdict::stale, {}};
  return {AuthVerdict::authenticated, {}};
}

void Authenticator::record_unknown_user(const sip::Message& request, const sip::Peer& peer,
                                        sip::HeaderId header) {
  // A UDP source address can be spoofed: a probe counts only from a sender shown to receive at
  // its address, by the TCP/TLS handshake or by holding a nonce we sent there.
  if (!sip::is_reliable(peer.transport)) {
    const SourceBytes source(peer.address);
    const auto ours = [&](const sip::Header& h) {
      if (h.id != header) return false;
      const auto credentials = sip::parse_digest_credentials(h.value);
      return credentials && nonces_.check(credentials->nonce, source.view()).state !=
                                sip::NonceAuthority::State::forged;
    };
    if (std::none_of(request.headers().begin(), request.headers().end(), ours)) return;
  }
  throttle_.record_failure(peer.address, AuthThrottle::Clock::now());
}

std::string Authenticator::challenge(const sip::Message& request, const sip::Peer& peer,
                                     std::string_view realm, bool stale,
                                     std::string_view header_name) {
  std::string out;
  const bool sha256 = policy_.get()->offer_sha256 &&
                      !knows_only_md5_digest(request.header(sip::HeaderId::user_agent));
  // One nonce serves both: it does not depend on the algorithm (RFC 8760 §2.4 allows it).
  const auto nonce = nonces_.mint(SourceBytes(peer.address).view());
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
