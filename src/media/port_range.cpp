#include "media/port_range.hpp"

#include <charconv>
#include <string>

namespace lockline::media {

Result<PortRange> parse_port_range(std::string_view text, std::string_view field) {
  const auto dash = text.find('-');
  auto number = [](std::string_view digits) -> std::optional<unsigned> {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return value;
  };
  const auto first = number(text.substr(0, dash));
  const auto last = dash == std::string_view::npos ? std::nullopt : number(text.substr(dash + 1));
  if (!first || !last || *first < 1024 || *last > 65535 || *first > *last) {
    return make_error(
        "expected \"first-last\" with ports from 1024 to 65535, got \"" + std::string(text) + "\"",
        std::string(field));
  }
  const unsigned first_even = *first + (*first % 2);
  if (first_even + 1 > *last) {
    return make_error("the range holds no even/odd port pair for RTP and RTCP", std::string(field));
  }
  return PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
}

PortPairs::PortPairs(PortRange range)
    : base_(static_cast<std::uint16_t>(range.first + range.first % 2)),
      taken_((range.last + 1u - base_) / 2, false),
      free_(taken_.size()) {}

std::optional<std::uint16_t> PortPairs::take() {
  std::lock_guard lock(mutex_);
  for (std::size_t tried = 0; tried < taken_.size(); ++tried) {
    const std::size_t slot = cursor_;
    cursor_ = (cursor_ + 1) % taken_.size();
    if (!taken_[slot]) {
      taken_[slot] = true;
      --free_;
      return static_cast<std::uint16_t>(base_ + 2 * slot);
    }
  }
  return std::nullopt;
}

void PortPairs::give_back(std::uint16_t even_port) {
  std::lock_guard lock(mutex_);
  const std::size_t slot = (even_port - base_) / 2u;
  if (even_port < base_ || slot >= taken_.size() || !taken_[slot]) return;
  taken_[slot] = false;
  ++free_;
}

std::size_t PortPairs::free_pairs() const {
  std::lock_guard lock(mutex_);
  return free_;
}

}  // namespace lockline::media
