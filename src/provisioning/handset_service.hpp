#pragma once
// The handset registry as administrators use it (CLI and API): input checked field by field,
// MACs normalised, each handset bound to an existing extension of its tenant.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/database.hpp"
#include "store/handset_repository.hpp"

namespace lockline::provisioning {

struct HandsetInput {
  std::string mac;           // any common notation
  std::string manufacturer;  // yealink, poly, snom, grandstream, cisco
  std::string model;         // e.g. T54W, VVX450, D785, GRP2614, 8841
  std::string extension;
};

class HandsetService {
 public:
  explicit HandsetService(store::Database& db) : db_(db) {}

  Result<store::HandsetRecord> add(std::int64_t tenant_id, const HandsetInput& input);
  Result<store::HandsetRecord> show(std::int64_t tenant_id, std::string_view mac);
  Status remove(std::int64_t tenant_id, std::string_view mac);
  // Forgets the certificate pinned on the first fetch: the next valid one is pinned instead.
  Status trust_reset(std::int64_t tenant_id, std::string_view mac);
  std::vector<store::HandsetRecord> list(std::int64_t tenant_id);

 private:
  store::Database& db_;
};

// Model names go into file names (snom<model>.htm): letters, digits, '.', '_', '-', 1 to 32.
Status validate_model(std::string_view model);

}  // namespace lockline::provisioning
