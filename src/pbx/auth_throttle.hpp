#pragma once
// Digest brute-force protection: failed authentications are counted per source address (the
// packet's, never one from SIP headers). After max_failures within window, that address is
// refused for a block period that doubles with each further block, up to max_block.
//
// Per address, not per extension: blocking an extension would let anyone lock a user's phones
// out by guessing at it. Sharded by address so the I/O threads rarely meet on one lock; the
// table is bounded and forgets quiet addresses first.
#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace lockline::pbx {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int max_failures = 10;
    std::chrono::seconds window{60};
    std::chrono::seconds first_block{60};
    std::chrono::seconds max_block{3600};
    std::size_t max_addresses = 100000;
  };
  struct Counters {
    std::atomic<std::uint64_t> failures{0};
    std::atomic<std::uint64_t> blocks{0};
    std::atomic<std::uint64_t> refused{0};  // requests answered 403 while blocked
  };

  AuthThrottle() : AuthThrottle(Limits{}) {}
  explicit AuthThrottle(Limits limits) : limits_(limits) {}

  // How much longer the address is blocked, or nothing. Counts a refusal when it is.
  std::optional<std::chrono::seconds> blocked_for(const boost::asio::ip::address& address,
                                                  Clock::time_point now);
  void record_failure(const boost::asio::ip::address& address, Clock::time_point now);

  const Counters& counters() const { return counters_; }

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point window_start;
    Clock::time_point blocked_until;
    int blocks = 0;  // how many times, for the doubling; forgotten with the entry
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<boost::asio::ip::address, Entry> entries;
  };
  Shard& shard_for(const boost::asio::ip::address& address);
  void forget_quiet(Shard& shard, Clock::time_point now);

  static constexpr std::size_t kShards = 16;
  Limits limits_;
  Counters counters_;
  std::array<Shard, kShards> shards_;
};

}  // namespace lockline::pbx
