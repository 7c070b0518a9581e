#pragma once
// A fresh key and the certificate signing request for it (RFC 2986), naming every domain as a
// subjectAltName; ACME's finalize takes it as base64url DER (RFC 8555 §7.4).
#include <string>
#include <vector>

namespace lockline::acme {

enum class KeyType { ecdsa_p256, rsa2048 };

struct SigningRequest {
  std::string key_pem;  // the new certificate's private key
  std::string der;
};

SigningRequest make_signing_request(KeyType type, const std::vector<std::string>& domains);

}  // namespace lockline::acme
