#pragma once
// Stored setting values (canonical strings, validated by policy before they get here).
#include <cstdint>
#include <map>
#include <string>

#include "store/database.hpp"

namespace lockline::store {

class SettingsRepository {
 public:
  explicit SettingsRepository(Database& db) : db_(db) {}

  std::map<std::string, std::string> load(std::int64_t tenant_id);
  // Writes all values in one transaction: all of them are stored, or none.
  void store(std::int64_t tenant_id, const std::map<std::string, std::string>& values);

 private:
  Database& db_;
};

}  // namespace lockline::store
