#pragma once
// Digest authentication of SIP requests (RFC 3261 §22, RFC 7616, RFC 8760): the challenge, and
// the check of an answer against an account's HA1. REGISTER uses Authorization/WWW-Authenticate
// (401); INVITE will use the Proxy- pair (407) with the same nonces.
#include <string>
#include <string_view>

#include "core/snapshot.hpp"
#include "pbx/auth_throttle.hpp"
#include "pbx/directory.hpp"
#include "pbx/sip_policy.hpp"
#include "sip/message.hpp"
#include "sip/nonce.hpp"
#include "sip/peer.hpp"

namespace lockline::pbx {

enum class AuthVerdict {
  authenticated,
  challenge,  // no credentials for our realm (or an algorithm we do not offer): 401
  stale,      // right password, but our nonce expired or nc was replayed
  wrong,      // a wrong answer to our nonce: 403, and a failure for the throttle
  malformed,  // credentials that do not parse: 400 with `reason`
};

struct AuthResult {
  AuthVerdict verdict;
  std::string reason;  // for malformed
};

class Authenticator {
 public:
  Authenticator(sip::NonceAuthority& nonces, AuthThrottle& throttle,
                const Snapshot<SipPolicy>& policy)
      : nonces_(nonces), throttle_(throttle), policy_(policy) {}

  // Checks the request's credentials for `user` in `realm`; counts wrong ones with the throttle.
  AuthResult check(const sip::Message& request, const sip::Peer& peer, std::string_view realm,
                   std::string_view user, const Account& account,
                   sip::HeaderId header = sip::HeaderId::authorization);

  // A request for an extension that does not exist: probing, counted like a wrong password
  // unless the source address may be spoofed.
  void record_unknown_user(const sip::Message& request, const sip::Peer& peer,
                           sip::HeaderId header = sip::HeaderId::authorization);

  // Challenge header lines (each ending in CRLF) for `request`, SHA-256 first as RFC 8760 §2.4
  // asks (unless sip.digest_algorithms or the handset quirks say MD5 only), with one fresh
  // nonce bound to the peer's address: "WWW-Authenticate" or "Proxy-Authenticate".
  std::string challenge(const sip::Message& request, const sip::Peer& peer, std::string_view realm,
                        bool stale, std::string_view header_name = "WWW-Authenticate");

 private:
  sip::NonceAuthority& nonces_;
  AuthThrottle& throttle_;
  const Snapshot<SipPolicy>& policy_;
};

}  // namespace lockline::pbx
