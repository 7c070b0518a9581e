#include "pbx/auth_throttle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

namespace lockline::pbx {

AuthThrottle::Shard& AuthThrottle::shard_for(const boost::asio::ip::address& address) {
  return shards_[std::hash<boost::asio::ip::address>{}(address) % kShards];
}

std::optional<std::chrono::seconds> AuthThrottle::blocked_for(
    const boost::asio::ip::address& address, Clock::time_point now) {
  auto& shard = shard_for(address);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.entries.find(address);
  if (it == shard.entries.end() || it->second.blocked_until <= now) return std::nullopt;
  counters_.refused.fetch_add(1, std::memory_order_relaxed);
  return std::chrono::ceil<std::chrono::seconds>(it->second.blocked_until - now);
}

void AuthThrottle::record_failure(const boost::asio::ip::address& address, Clock::time_point now) {
  counters_.failures.fetch_add(1, std::memory_order_relaxed);
  auto& shard = shard_for(address);
  std::lock_guard lock(shard.mutex);
  if (shard.entries.size() >= limits_.max_addresses / kShards) forget_quiet(shard, now);
  auto& entry = shard.entries[address];
  if (entry.blocked_until > now) return;  // blocked already: the period runs as it was set
  if (entry.failures == 0 || now - entry.window_start >= limits_.window) {
    entry.failures = 0;
    entry.window_start = now;
  }
  if (++entry.failures < limits_.max_failures) return;
  const auto period = std::min<std::chrono::seconds>(
      limits_.first_block * (std::int64_t{1} << std::min(entry.blocks, 16)), limits_.max_block);
  entry.blocked_until = now + period;
  entry.failures = 0;
  ++entry.blocks;
  const auto total = counters_.blocks.fetch_add(1, std::memory_order_relaxed) + 1;
  spdlog::warn(
      "SIP: blocked {} for {} s after {} failed authentications within {} s ({} blocks "
      "so far)",
      address.to_string(), period.count(), limits_.max_failures, limits_.window.count(), total);
}

// Drops entries neither blocked nor counting in a current window; if none are, the oldest
// window goes, so the table stays bounded whatever an attacker sends.
void AuthThrottle::forget_quiet(Shard& shard, Clock::time_point now) {
  const auto before = shard.entries.size();
  std::erase_if(shard.entries, [&](const auto& item) {
    const auto& e = item.second;
    return e.blocked_until <= now && now - e.window_start >= limits_.window &&
           now - e.blocked_until >= limits_.max_block;
  });
  if (shard.entries.size() < before || shard.entries.empty()) return;
  const auto oldest = std::min_element(
      shard.entries.begin(), shard.entries.end(), [](const auto& a, const auto& b) {
        return std::max(a.second.window_start, a.second.blocked_until) <
               std::max(b.second.window_start, b.second.blocked_until);
      });
  shard.entries.erase(oldest);
}

}  // namespace lockline::pbx
