#pragma once
// The certificates served on TLS listeners. The active set may hold several (an ECDSA and an RSA
// one side by side); a new set replaces the old one in one transaction, keeping it as history.
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct StoredCertificate {
  std::int64_t id = 0;
  std::string source;  // "self-signed", "imported", "acme"
  std::string chain_pem;
  std::string key_pem;
  std::int64_t created_at = 0;
};

class CertificateRepository {
 public:
  explicit CertificateRepository(Database& db) : db_(db) {}

  std::vector<StoredCertificate> active(std::int64_t tenant_id);
  void replace_active(std::int64_t tenant_id, const std::vector<StoredCertificate>& set);
  // Makes the newest set not from `source` the active one again (ACME switched off: back to the
  // imported or self-signed certificates). False, and nothing changed, when there is none.
  bool reactivate_latest_except(std::int64_t tenant_id, const std::string& source);

 private:
  Database& db_;
};

}  // namespace lockline::store
