#pragma once
// The handset registry (provisioning): which phone, by MAC, belongs to which extension, and the
// certificate it proved itself with on its first fetch over mutual TLS.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct HandsetRecord {
  std::string mac;  // 12 lowercase hex digits
  std::int64_t tenant_id = 0;
  std::string manufacturer, model, extension;
  std::string certificate_fingerprint;  // SHA-256, "" until pinned
  std::int64_t created_at = 0;
  std::int64_t last_fetch_at = 0;  // 0: never
};

class HandsetRepository {
 public:
  explicit HandsetRepository(Database& db) : db_(db) {}

  bool add(const HandsetRecord& handset);  // false (nothing stored) when the MAC exists
  bool remove(const std::string& mac);
  std::optional<HandsetRecord> find(const std::string& mac);
  std::vector<HandsetRecord> list(std::int64_t tenant_id);
  // Pins `fingerprint` when none is pinned yet; returns the pinned one (which may differ).
  std::string pin_certificate(const std::string& mac, const std::string& fingerprint);
  bool reset_trust(const std::string& mac);
  void record_fetch(const std::string& mac, std::int64_t at);
  std::int64_t revision();  // moves with every change but a fetch's time

 private:
  Database& db_;
};

}  // namespace lockline::store
