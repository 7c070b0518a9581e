#include "provisioning/fetch_audit.hpp"

#include <spdlog/spdlog.h>

namespace lockline::provisioning {

void FetchAudit::record(store::ProvisioningAuditRecord record) {
  std::lock_guard lock(mutex_);
  if (pending_.size() >= kCapacity) {
    ++dropped_;
    return;
  }
  pending_.push_back(std::move(record));
}

void FetchAudit::flush(store::Database& db) {
  std::vector<store::ProvisioningAuditRecord> records;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    records.swap(pending_);
    std::swap(dropped, dropped_);
  }
  if (dropped) spdlog::warn("provisioning audit: {} fetch record(s) dropped (queue full)", dropped);
  if (records.empty()) return;
  store::ProvisioningAuditRepository(db).append(records);
}

}  // namespace lockline::provisioning
