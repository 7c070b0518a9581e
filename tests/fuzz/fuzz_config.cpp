// Any text as the config file: a Config or an error naming a key, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = lockline::app::parse_config(text, "/fuzz/lockline.toml");
  if (!config && config.error().field.empty()) __builtin_trap();
  return 0;
}
