// Bytes as an imported certificate: chain and key split at the first NUL (or both the same
// text, as a one-file import). An import either validates or says why.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tls/certificate_validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  const std::string chain = input.substr(0, split);
  const std::string key = split == std::string::npos ? input : input.substr(split + 1);
  auto result = lockline::tls::validate_certificate(chain, key, {"pbx.test", 1'800'000'000, {}});
  if (!result && result.error().message.empty()) __builtin_trap();
  return 0;
}
