#pragma once
// The deadlines of a transaction table, earliest first. A table reschedules by pushing again;
// a popped deadline that no longer matches its entry's current one is simply skipped, so
// nothing is ever searched for or removed from the middle.
#include <chrono>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace lockline::sip {

class DeadlineQueue {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  void push(std::string key, TimePoint when) { due_.push({when, std::move(key)}); }

  // The earliest deadline if it is due by `now`, taken off the queue.
  std::optional<std::pair<TimePoint, std::string>> pop_due(TimePoint now) {
    if (due_.empty() || due_.top().when > now) return std::nullopt;
    Due due = due_.top();
    due_.pop();
    return std::pair{due.when, std::move(due.key)};
  }

  std::optional<TimePoint> next() const {
    if (due_.empty()) return std::nullopt;
    return due_.top().when;
  }

 private:
  struct Due {
    TimePoint when;
    std::string key;
    bool operator>(const Due& other) const { return when > other.when; }
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
};

}  // namespace lockline::sip
