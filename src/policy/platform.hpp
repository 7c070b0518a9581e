#pragma once
// Platform enforcement: on the hosted platform some settings have a floor that no store value,
// CLI command or API call can go below. All of it lives in one table, hosted_floors().
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "policy/settings_catalog.hpp"

namespace lockline::policy {

enum class Platform { appliance, hosted };

Result<Platform> parse_platform(std::string_view text);
std::string_view to_string(Platform platform);

// The weakest value a setting may take on the hosted platform.
struct EnforcedFloor {
  std::string key;
  std::string minimum;
};
const std::vector<EnforcedFloor>& hosted_floors();

// The floor for a key on a platform, or nullptr when the key is not enforced there.
const EnforcedFloor* enforced_floor(Platform platform, std::string_view key);

// The value in force: the stored (or default) value raised to the platform's floor.
std::string effective_value(Platform platform, const SettingSpec& spec, std::string_view stored);

// Refuses a canonical value that would go below the platform's floor.
Status check_enforcement(Platform platform, const SettingSpec& spec, std::string_view value);

}  // namespace lockline::policy
