#pragma once
// The settings model: every key, its type, default and valid values. Values are stored as
// canonical strings ("true", "63072000", "intermediate").
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lockline::policy {

enum class SettingType { boolean, integer, choice };

struct SettingSpec {
  std::string key;
  SettingType type;
  std::string default_value;
  std::string description;
  std::vector<std::string> choices;  // choice: from weakest to strongest
  long long min = 0;                 // integer bounds, inclusive
  long long max = 0;
};

const std::vector<SettingSpec>& setting_specs();
const SettingSpec* find_setting(std::string_view key);

// Validates raw text for a key and returns its canonical form; the error names the key.
Result<std::string> normalize_setting(std::string_view key, std::string_view raw);

// Orders two canonical values of one setting by strength: <0, 0, >0 (false < true,
// smaller < larger, earlier choice < later choice).
int compare_strength(const SettingSpec& spec, std::string_view a, std::string_view b);

}  // namespace lockline::policy
