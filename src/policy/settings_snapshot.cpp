#include "policy/settings_snapshot.hpp"

#include <cassert>
#include <stdexcept>

namespace lockline::policy {

SettingsSnapshot::SettingsSnapshot(Platform platform,
                                   const std::map<std::string, std::string>& stored)
    : platform_(platform) {
  for (const auto& spec : setting_specs()) {
    const auto it = stored.find(spec.key);
    // A stored value that no longer validates (an older release's) falls back to the default.
    std::string value = spec.default_value;
    if (it != stored.end()) {
      if (auto normalized = normalize_setting(spec.key, it->second)) value = std::move(*normalized);
    }
    effective_.emplace(spec.key, effective_value(platform, spec, value));
  }
}

const std::string& SettingsSnapshot::get(std::string_view key) const {
  const auto it = effective_.find(key);
  if (it == effective_.end()) throw std::logic_error("unknown setting " + std::string(key));
  return it->second;
}

long long SettingsSnapshot::get_int(std::string_view key) const { return std::stoll(get(key)); }

}  // namespace lockline::policy
