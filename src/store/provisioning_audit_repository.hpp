#pragma once
// The audit of provisioning fetches: who asked for which file, showing which certificate, and
// what they got. Bounded: the oldest rows go beyond kKeep.
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct ProvisioningAuditRecord {
  std::int64_t id = 0;
  std::int64_t at = 0;  // unix time
  std::string source;   // the client's IP address
  bool secure = false;  // over the mutual-TLS listener
  std::string mac;      // of the file asked for or the certificate shown, "" when neither
  std::string certificate_subject, certificate_serial;
  std::string file;
  std::int64_t status = 0;  // the HTTP status answered
  std::string reason;
};

class ProvisioningAuditRepository {
 public:
  static constexpr std::int64_t kKeep = 100000;

  explicit ProvisioningAuditRepository(Database& db) : db_(db) {}

  // With the served handsets' time of last fetch, in one transaction.
  void append(const std::vector<ProvisioningAuditRecord>& records);
  // The newest `limit` rows, oldest first.
  std::vector<ProvisioningAuditRecord> latest(std::int64_t limit);

 private:
  Database& db_;
};

}  // namespace lockline::store
