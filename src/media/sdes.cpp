#include "media/sdes.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdint>

namespace lockline::media {

namespace {

std::string_view next_word(std::string_view& text) {
  const auto start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  const auto end = text.find(' ');
  const auto word = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  return word;
}

// "2^20" or a decimal count of packets (RFC 4568 §6.1 lifetime). Any lifetime is accepted:
// Lockline's sessions end long before a master key wears out, and the relay re-keys per call.
bool valid_lifetime(std::string_view text) {
  if (text.starts_with("2^")) text.remove_prefix(2);
  unsigned long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

SdesParse parse_sdes(std::string_view value) {
  const auto tag_text = next_word(value);
  const auto suite_name = next_word(value);
  const auto key_params = next_word(value);
  unsigned tag = 0;
  const auto [tag_end, tag_error] =
      std::from_chars(tag_text.data(), tag_text.data() + tag_text.size(), tag);
  if (tag_text.empty() || tag_text.size() > 9 || tag_error != std::errc{} ||
      tag_end != tag_text.data() + tag_text.size() || key_params.empty()) {
    return {std::nullopt, SdesRefusal::malformed};
  }
  const auto suite = srtp_suite_named(suite_name);
  if (!suite) return {std::nullopt, SdesRefusal::unknown_suite};
  if (!next_word(value).empty() || key_params.find(';') != std::string_view::npos) {
    return {std::nullopt, SdesRefusal::unsupported_parameter};  // session params, several keys
  }
  if (!key_params.starts_with("inline:")) return {std::nullopt, SdesRefusal::malformed};
  std::string_view key_info = key_params.substr(7);
  const auto bar = key_info.find('|');
  std::string_view base64 = key_info.substr(0, bar);
  if (bar != std::string_view::npos) {
    std::string_view rest = key_info.substr(bar + 1);
    const auto second_bar = rest.find('|');
    const auto first = rest.substr(0, second_bar);
    if (second_bar != std::string_view::npos || first.find(':') != std::string_view::npos) {
      return {std::nullopt, SdesRefusal::unsupported_parameter};  // MKI
    }
    if (!valid_lifetime(first)) return {std::nullopt, SdesRefusal::malformed};
  }
  std::array<std::uint8_t, SrtpMasterKey::kMaxLength + 3> bytes{};
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), base64.data(), base64.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    // RFC 4568 keys are padded base64, but some phones leave the padding off.
    if (sodium_base642bin(bytes.data(), bytes.size(), base64.data(), base64.size(), nullptr,
                          &length, nullptr, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
      sodium_memzero(bytes.data(), bytes.size());
      return {std::nullopt, SdesRefusal::bad_key};
    }
  }
  auto key = SrtpMasterKey::from_bytes(*suite, {bytes.data(), length});
  sodium_memzero(bytes.data(), bytes.size());
  if (!key) return {std::nullopt, SdesRefusal::bad_key};
  return {SdesCrypto{tag, *key}, SdesRefusal::none};
}

std::string format_sdes(unsigned tag, const SrtpMasterKey& key) {
  const auto bytes = key.bytes();
  std::array<char, 64> base64{};
  sodium_bin2base64(base64.data(), base64.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  std::string out = std::to_string(tag);
  out += ' ';
  out += srtp_suite_spec(key.suite()).name;
  out += " inline:";
  out += base64.data();
  sodium_memzero(base64.data(), base64.size());
  return out;
}

}  // namespace lockline::media
