#include "pbx/handset_quirks.hpp"

#include <array>

#include "sip/text.hpp"

namespace lockline::pbx {

namespace {

// User-Agent prefixes, compared in any case. baresip 1.0.0 (Debian 12, libre 1.x): its digest code
// returns ENOSYS for a 401 that holds any non-MD5 challenge and the registration fails (measured).
constexpr std::array<std::string_view, 1> kMd5OnlyAgents{"baresip"};

}  // namespace

bool knows_only_md5_digest(std::string_view user_agent) {
  for (const auto prefix : kMd5OnlyAgents) {
    if (sip::iequals(user_agent.substr(0, prefix.size()), prefix)) return true;
  }
  return false;
}

}  // namespace lockline::pbx
