#pragma once
// Server transactions (RFC 3261 §17.2) for one thread: they absorb retransmitted requests,
// resend the last response to them, retransmit final responses to INVITE over UDP until the
// ACK comes (timer G, given up by timer H), and linger for late retransmissions (timers I, J).
// No I/O and no clock of its own: the caller passes `now` and sends what it is told to, so
// tests drive the timers with any clock they like.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sip/deadline_queue.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace lockline::sip {

struct TransactionTimers {
  std::chrono::milliseconds t1{500};
  std::chrono::milliseconds t2{4000};
  std::chrono::milliseconds t4{5000};
};

class ServerTransactions {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  explicit ServerTransactions(TransactionTimers timers = {}, std::size_t capacity = 100000);

  enum class Verdict {
    new_request,  // hand it to the layer above, then call answered() with the response
    absorbed,     // an ACK to our final response, or a request in a confirmed transaction
    resend,       // a retransmission: send `response` again
  };
  struct Match {
    Verdict verdict;
    const std::string* response = nullptr;
  };
  Match on_request(const Message& request, TimePoint now);

  // The final response (status >= 200) the layer above gave to a new request, to keep for its
  // retransmissions. Answers that change nothing (challenges, errors) need not be kept: a
  // retransmission then gets a fresh one, as a stateless UAS does (RFC 3261 §8.2.7).
  // Returns the kept copy (moved from `response`), or nullptr when there was no need to keep
  // it; `response` is then left as it was.
  const std::string* answered(const Message& request, const Peer& peer, int status,
                              std::string&& response, TimePoint now);

  // Runs the timers due by now; send(peer, bytes) for each response to retransmit.
  void run_timers(TimePoint now, const std::function<void(const Peer&, const std::string&)>& send);
  std::optional<TimePoint> next_deadline() const;

  std::size_t size() const { return entries_.size(); }

 private:
  enum class State { completed, confirmed };
  struct Entry {
    State state = State::completed;
    bool invite = false;
    Peer peer;
    std::string response;
    TimePoint deadline;                     // the next timer: G (retransmit), H, I or J (end)
    TimePoint give_up;                      // timer H for INVITE
    std::chrono::milliseconds interval{0};  // timer G's current value
  };

  static std::string key_of(const Message& request);

  TransactionTimers timers_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  DeadlineQueue due_;
};

}  // namespace lockline::sip
