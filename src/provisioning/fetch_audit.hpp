#pragma once
// The audit of provisioning fetches, recorded on the I/O threads and written to the store by
// the housekeeping thread about once a second, in one transaction: a fetch waits for no disk.
// Bounded: beyond kCapacity unwritten records, new ones are counted and dropped.
#include <cstdint>
#include <mutex>
#include <vector>

#include "store/database.hpp"
#include "store/provisioning_audit_repository.hpp"

namespace lockline::provisioning {

class FetchAudit {
 public:
  static constexpr std::size_t kCapacity = 20000;

  void record(store::ProvisioningAuditRecord record);
  // Writes what was recorded, and each served handset's time of last fetch, in one transaction.
  void flush(store::Database& db);

 private:
  std::mutex mutex_;
  std::vector<store::ProvisioningAuditRecord> pending_;
  std::uint64_t dropped_ = 0;
};

}  // namespace lockline::provisioning
