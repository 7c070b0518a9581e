#pragma once
// Failed logins are counted per source address: after max_failures within window, that address
// is refused until the window has passed. The table is bounded: when full, the oldest entry goes.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace lockline::admin {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int max_failures = 5;
    std::chrono::seconds window{300};
    std::size_t max_addresses = 10000;
  };

  LoginThrottle() : LoginThrottle(Limits{}) {}
  explicit LoginThrottle(Limits limits) : limits_(limits) {}

  // How long the address must wait, or nothing when it may try.
  std::optional<std::chrono::seconds> blocked_for(const std::string& address,
                                                  Clock::time_point now);
  void record_failure(const std::string& address, Clock::time_point now);
  void record_success(const std::string& address);

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point window_start;
  };
  Limits limits_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace lockline::admin
