#pragma once
// The certificates the TLS listeners serve: self-signed on first start, or imported.
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/database.hpp"
#include "tls/certificate_info.hpp"
#include "tls/certificate_validation.hpp"

namespace lockline::admin {

struct ActiveCertificate {
  std::string source;  // "self-signed", "imported", "acme"
  tls::CertificateInfo leaf;
  std::size_t chain_length = 0;
};

class CertificateService {
 public:
  CertificateService(store::Database& db, std::string hostname)
      : db_(db), hostname_(std::move(hostname)) {}

  // First start: an ECDSA P-256 and an RSA 2048 self-signed certificate. True when made.
  bool ensure_certificates();
  // Validates, then replaces the active set; on any error the active set stays as it was.
  Result<tls::ValidatedCertificate> import(const std::string& chain_pem,
                                           const std::string& key_pem);
  std::vector<ActiveCertificate> active();

 private:
  store::Database& db_;
  std::string hostname_;
};

}  // namespace lockline::admin
