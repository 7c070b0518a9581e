#include "pbx/handset_quirks.hpp"

#include <array>

namespace lockline::pbx {

namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// User-Agent prefixes, lower case. baresip 1.0.0 (Debian 12, libre 1.x): its digest code returns
// ENOSYS for a 401 that holds any non-MD5 challenge and the registration fails (measured).
constexpr std::array<std::string_view, 1> kMd5OnlyAgents{"baresip"};

}  // namespace

bool knows_only_md5_digest(std::string_view user_agent) {
  for (const auto prefix : kMd5OnlyAgents) {
    if (starts_with_ignoring_case(user_agent, prefix)) return true;
  }
  return false;
}

}  // namespace lockline::pbx
