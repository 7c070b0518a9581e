#pragma once
// The manufacturers' CA certificates that vouch for handsets' factory certificates (mutual TLS
// on the provisioning listener). Platform-wide: a manufacturer's CA is the same for every tenant.
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct ProvisioningCaRecord {
  std::int64_t id = 0;
  std::string manufacturer;
  std::string fingerprint;  // SHA-256 of the certificate
  std::string subject;
  std::string not_after;
  std::string pem;
  std::int64_t created_at = 0;
};

class ProvisioningCaRepository {
 public:
  explicit ProvisioningCaRepository(Database& db) : db_(db) {}

  // False (nothing stored) when a CA with that fingerprint is there already; its id then in
  // `existing`.
  bool add(ProvisioningCaRecord& ca, std::int64_t* existing = nullptr);
  // All or none, in one transaction; false (nothing stored) when one of them is there already.
  bool add_all(std::vector<ProvisioningCaRecord>& cas, std::int64_t* existing = nullptr);
  bool remove(std::int64_t id);
  std::vector<ProvisioningCaRecord> list();
  std::int64_t revision();  // moves with every change

 private:
  Database& db_;
};

}  // namespace lockline::store
