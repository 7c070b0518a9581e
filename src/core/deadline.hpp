#pragma once
// A connection's deadline. Moving it is a plain store, not a timer operation: the timer only
// wakes when the old deadline comes, re-arms if the deadline moved, and otherwise shuts the
// socket down, which ends whatever operation is pending on it.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace lockline {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(boost::asio::ip::tcp::socket& socket);
  ~Deadline();  // disarms; the timer's pending wait then finds no socket
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void expires_after(Clock::duration duration);
  bool expired() const { return state_->expired; }

 private:
  struct State {
    explicit State(boost::asio::ip::tcp::socket& s) : timer(s.get_executor()), socket(&s) {}
    boost::asio::steady_timer timer;
    boost::asio::ip::tcp::socket* socket;
    Clock::time_point deadline;
    bool armed = false;
    bool expired = false;
  };
  static void arm(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace lockline
