#include "admin/login_throttle.hpp"

#include <algorithm>

namespace lockline::admin {

std::optional<std::chrono::seconds> LoginThrottle::blocked_for(const std::string& address,
                                                               Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(address);
  if (it == entries_.end()) return std::nullopt;
  const auto end = it->second.window_start + limits_.window;
  if (now >= end) {
    entries_.erase(it);
    return std::nullopt;
  }
  if (it->second.failures < limits_.max_failures) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(end - now);
}

void LoginThrottle::record_failure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(address);
  if (it != entries_.end() && now >= it->second.window_start + limits_.window) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (entries_.size() >= limits_.max_addresses) {
      entries_.erase(
          std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
            return a.second.window_start < b.second.window_start;
          }));
    }
    it = entries_.emplace(address, Entry{0, now}).first;
  }
  ++it->second.failures;
}

void LoginThrottle::record_success(const std::string& address) {
  std::lock_guard lock(mutex_);
  entries_.erase(address);
}

}  // namespace lockline::admin
