#pragma once
// "host:port" listen addresses as written in the config file.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lockline {

struct Endpoint {
  std::string host;  // numeric address: "0.0.0.0", "127.0.0.1", "::"
  std::uint16_t port = 0;
  std::string to_string() const;
};

// Accepts "1.2.3.4:80", "[::1]:80", ":80" (all addresses). The field names the config key.
Result<Endpoint> parse_endpoint(std::string_view text, std::string_view field);

}  // namespace lockline
