#pragma once
// The certificates made on first start, before an administrator imports one.
#include <string>

namespace lockline::tls {

struct GeneratedCertificate {
  std::string chain_pem;
  std::string key_pem;
};

enum class KeyKind { ecdsa_p256, rsa_2048 };

// Subject CN=hostname; SANs: hostname, localhost, 127.0.0.1; valid 365 days.
GeneratedCertificate make_self_signed(KeyKind kind, const std::string& hostname);

}  // namespace lockline::tls
