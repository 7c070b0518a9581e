#pragma once
// Checks a certificate chain and key before they are stored and served.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "tls/certificate_info.hpp"

namespace lockline::tls {

struct ValidatedCertificate {
  std::string chain_pem;  // re-encoded: only the certificates, leaf first
  std::string key_pem;
  std::string key_family;  // "rsa" or "ecdsa"
  CertificateInfo leaf;
  std::size_t chain_length = 0;  // certificates served: the leaf and its intermediates
  std::vector<std::string> warnings;
};

struct ValidationOptions {
  std::string hostname;  // a warning when the leaf does not cover it
  std::int64_t now = 0;  // unix seconds
  std::string ca_file;   // trusted roots; empty: the system's store
};

// Refuses (with an error naming the problem): unreadable PEM, a key that does not match the
// leaf, a weak key, a chain out of order, a chain not reaching a root or a known CA, a
// certificate not yet valid or expired. Warns: self-signed, hostname not covered.
Result<ValidatedCertificate> validate_certificate(std::string_view chain_pem,
                                                  std::string_view key_pem,
                                                  const ValidationOptions& options);

}  // namespace lockline::tls
