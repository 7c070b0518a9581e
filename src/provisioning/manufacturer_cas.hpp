#pragma once
// The CA certificates that vouch for each manufacturer's handsets (`lockline provisioning ca`).
// A file may hold several; each must be a CA certificate that has not expired.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/database.hpp"
#include "store/provisioning_ca_repository.hpp"

namespace lockline::provisioning {

class ManufacturerCas {
 public:
  explicit ManufacturerCas(store::Database& db) : db_(db) {}

  // All or none; returns the CAs added.
  Result<std::vector<store::ProvisioningCaRecord>> add(const std::string& manufacturer,
                                                       std::string_view pem);
  Status remove(std::int64_t id);
  std::vector<store::ProvisioningCaRecord> list();

 private:
  store::Database& db_;
};

}  // namespace lockline::provisioning
