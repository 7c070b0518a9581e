#pragma once
// URLs as ACME and its preflight use them: scheme, host (IPv6 literals without brackets), port
// (the scheme's default when absent) and target. No user info, no other schemes.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lockline::acme {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  std::string port;
  std::string target;  // path and query, at least "/"
};
Result<Url> parse_url(std::string_view text);

}  // namespace lockline::acme
