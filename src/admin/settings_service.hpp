#pragma once
// Changing settings, the one path for the CLI and the API: validation, platform enforcement,
// then the store, all values of a request or none.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "policy/platform.hpp"
#include "policy/settings_catalog.hpp"
#include "store/database.hpp"

namespace lockline::admin {

struct SettingView {
  const policy::SettingSpec* spec = nullptr;
  std::optional<std::string> stored;
  std::string effective;
  std::optional<std::string> enforced_minimum;  // set when the platform enforces a floor
};

class SettingsService {
 public:
  SettingsService(store::Database& db, policy::Platform platform) : db_(db), platform_(platform) {}

  std::vector<SettingView> list();
  Result<SettingView> get(const std::string& key);
  // raw: key -> text as typed by the user. Nothing is stored unless every value is accepted.
  Status set(const std::map<std::string, std::string>& raw);

 private:
  store::Database& db_;
  policy::Platform platform_;
};

}  // namespace lockline::admin
