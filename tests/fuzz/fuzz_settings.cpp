// "key=value" as typed on the CLI: accepted values are canonical and re-validate to themselves.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/settings_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto equals = input.find('=');
  if (equals == std::string::npos) return 0;
  const std::string key = input.substr(0, equals);
  auto value = lockline::policy::normalize_setting(key, input.substr(equals + 1));
  if (value) {
    auto again = lockline::policy::normalize_setting(key, *value);
    if (!again || *again != *value) __builtin_trap();
  } else if (value.error().field.empty()) {
    __builtin_trap();
  }
  return 0;
}
