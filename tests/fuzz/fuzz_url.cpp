// Any bytes as a URL (an ACME directory from the command line, the URLs an ACME server sends):
// parsed or refused, never a crash; what parses has a host, a port and a target starting "/".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "acme/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto url = lockline::acme::parse_url({reinterpret_cast<const char*>(data), size});
  if (url && (url->host.empty() || url->port.empty() || url->target.empty() ||
              url->target.front() != '/')) {
    std::abort();
  }
  return 0;
}
