#pragma once
// What an administrator wants to know about a certificate.
#include <cstdint>
#include <string>
#include <vector>

#include <openssl/x509.h>

namespace lockline::tls {

struct CertificateInfo {
  std::string subject;
  std::vector<std::string> subject_alt_names;  // "DNS:pbx.example.com", "IP:127.0.0.1"
  std::string issuer;
  std::string serial;      // hex
  std::string not_before;  // ISO 8601 UTC
  std::string not_after;
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  std::string key_type;            // "ECDSA P-256", "RSA 2048"
  std::string sha256_fingerprint;  // AA:BB:...
  bool self_signed = false;
};

CertificateInfo describe(X509* certificate);
// Parts of it, for hot paths (describe() also checks a self-signature).
std::string subject_text(X509* certificate);
std::string serial_hex(X509* certificate);
std::string sha256_fingerprint(X509* certificate);  // AA:BB:...
// "rsa" or "ecdsa" (Mozilla's certificate_types), or the OpenSSL name for anything else.
std::string key_family(EVP_PKEY* key);
bool is_self_signed(X509* certificate);

}  // namespace lockline::tls
