#pragma once
// Client transactions (RFC 3261 §17.1) for one thread, for the layer that sends requests (the
// B2BUA of the calls issue): they retransmit a request over UDP (timer A for INVITE, E for the
// rest), give up when no final response comes (timers B, F), acknowledge a 300-699 response to
// INVITE themselves (§17.1.1.3) and absorb retransmissions of a final response for a while
// (timers D, K). No I/O and no clock of their own, like ServerTransactions: the caller passes
// `now` and sends what it is told to.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/deadline_queue.hpp"
#include "sip/message.hpp"
#include "sip/peer.hpp"
#include "sip/server_transactions.hpp"

namespace lockline::sip {

class ClientTransactions {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Send = std::function<void(const Peer&, const std::string&)>;
  // (branch, whether it was an INVITE): a CANCEL shares its INVITE's branch.
  using TimedOut = std::function<void(const std::string&, bool)>;

  // An INVITE answered only provisionally is given up after this (RFC 3261 §16.6 timer C's
  // value): the table stays bounded even if a peer never sends its final response.
  static constexpr std::chrono::minutes kProceedingLimit{3};

  explicit ClientTransactions(TransactionTimers timers = {}, std::size_t capacity = 100000);

  // Takes charge of `request`, to be sent to `peer` right after by the caller. Its top Via
  // must carry an RFC 3261 branch ("z9hG4bK..."), which names the transaction with the method.
  // False (send nothing) for an ACK, which has no client transaction, for a branch in use, a
  // missing branch, or a full table.
  bool start(const Message& request, const Peer& peer, TimePoint now);

  enum class Verdict {
    deliver,    // for the layer above: a provisional, or the final response of a transaction
    absorbed,   // a retransmitted final response (a 300-699 to INVITE is acknowledged again)
    unmatched,  // no transaction: a stray, or a 2xx to INVITE retransmitted after its
                // transaction ended (the layer above acknowledges a 2xx itself, §13.2.2.4)
  };
  Verdict on_response(const Message& response, TimePoint now, const Send& send);

  // Runs the timers due by now: send(peer, bytes) for each retransmission; timed_out(branch)
  // for each transaction that ended without a final response (for the layer above a 408,
  // §8.1.3.1).
  void run_timers(TimePoint now, const Send& send, const TimedOut& timed_out);
  std::optional<TimePoint> next_deadline() const;

  std::size_t size() const { return entries_.size(); }

 private:
  enum class State { calling, proceeding, completed };  // "calling" is "Trying" for non-INVITE
  struct Entry {
    State state = State::calling;
    bool invite = false;
    Peer peer;
    std::string branch;
    std::string request;   // as sent, for retransmissions
    std::string ack_head;  // INVITE: the ACK for a 300-699, up to its To header
    std::string ack;       // INVITE, completed: the ACK sent, sent again per retransmission
    TimePoint deadline;    // the next timer: A/E (retransmit), B/F (give up) or D/K (end)
    TimePoint give_up;     // B or F; for an INVITE in proceeding, kProceedingLimit
    std::chrono::milliseconds interval{0};  // timer A's or E's current value
  };

  static std::string key_of(std::string_view branch, std::string_view method);

  TransactionTimers timers_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  DeadlineQueue due_;
};

}  // namespace lockline::sip
