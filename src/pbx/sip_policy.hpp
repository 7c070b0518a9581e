#pragma once
// The settings the SIP plane follows, as one immutable value the server republishes when an
// administrator changes one (see app/live_config).
namespace lockline::pbx {

struct SipPolicy {
  // sip.digest_algorithms: SHA-256 then MD5 (RFC 8760), or MD5 alone for phones that give up
  // when a challenge set includes an algorithm they do not know.
  bool offer_sha256 = true;
};

}  // namespace lockline::pbx
