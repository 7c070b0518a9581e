#pragma once
// An immutable value published to many threads: readers take the current snapshot, a writer
// builds a new one away from traffic and swaps it in. Holders of the old one keep it alive.
#include <atomic>
#include <memory>

namespace lockline {

template <class T>
class Snapshot {
 public:
  explicit Snapshot(std::shared_ptr<const T> initial = {}) : current_(std::move(initial)) {}
  std::shared_ptr<const T> get() const { return current_.load(std::memory_order_acquire); }
  void publish(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace lockline
