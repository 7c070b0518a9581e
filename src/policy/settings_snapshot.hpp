#pragma once
// An immutable view of the settings in force (stored values, defaults, platform floors).
#include <map>
#include <string>
#include <string_view>

#include "policy/platform.hpp"

namespace lockline::policy {

class SettingsSnapshot {
 public:
  // stored: canonical values from the store; keys missing there take their defaults.
  SettingsSnapshot(Platform platform, const std::map<std::string, std::string>& stored);

  Platform platform() const { return platform_; }
  const std::string& get(std::string_view key) const;
  bool get_bool(std::string_view key) const { return get(key) == "true"; }
  long long get_int(std::string_view key) const;

 private:
  Platform platform_;
  std::map<std::string, std::string, std::less<>> effective_;
};

}  // namespace lockline::policy
