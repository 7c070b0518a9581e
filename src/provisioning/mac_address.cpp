#include "provisioning/mac_address.hpp"

#include <cctype>

namespace lockline::provisioning {

Result<std::string> normalize_mac(std::string_view text, std::string_view field) {
  const auto bad = [&] {
    return make_error(
        std::string(field) + ": not a MAC address (12 hex digits, e.g. 00:15:65:AA:BB:CC)",
        std::string(field));
  };
  // Where a notation puts its separators: pairs (xx:xx:..., xx-xx-...) or groups of four
  // (xxxx.xxxx.xxxx), else none.
  const auto separator_at = [&](std::size_t i) -> char {
    if (text.size() == 17) return i % 3 == 2 ? text[2] : 0;
    if (text.size() == 14) return i == 4 || i == 9 ? '.' : 0;
    return 0;
  };
  if (text.size() != 12 && text.size() != 14 && text.size() != 17) return bad();
  if (text.size() == 17 && text[2] != ':' && text[2] != '-') return bad();
  std::string mac;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (const char separator = separator_at(i)) {
      if (c != separator) return bad();
    } else if (std::isxdigit(static_cast<unsigned char>(c))) {
      mac += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      return bad();
    }
  }
  if (mac == "000000000000" || mac == "ffffffffffff") {
    return make_error(std::string(field) + ": " + display_mac(mac) + " is no handset's address",
                      std::string(field));
  }
  return mac;
}

std::string display_mac(std::string_view mac) {
  std::string out;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i && i % 2 == 0) out += ':';
    out += mac[i];
  }
  return out;
}

}  // namespace lockline::provisioning
