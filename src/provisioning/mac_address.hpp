#pragma once
// MAC addresses as handsets are known by: stored as 12 lowercase hex digits, read in any common
// notation (00:15:65:AA:BB:CC, 00-15-65-aa-bb-cc, 0015.65aa.bbcc, 001565AABBCC).
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lockline::provisioning {

// An error names `field`. All zeros and the broadcast address are no handset's.
Result<std::string> normalize_mac(std::string_view text, std::string_view field = "mac");

// "00:15:65:aa:bb:cc" for people.
std::string display_mac(std::string_view mac);

}  // namespace lockline::provisioning
