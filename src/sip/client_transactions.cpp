#include "sip/client_transactions.hpp"

#include <algorithm>

#include "sip/header_values.hpp"

namespace lockline::sip {

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";
constexpr char kSeparator = '\x1f';

// The ACK for a 300-699 response to `invite` (§17.1.1.3), all but its To header, which comes
// from the response: the INVITE's Request-URI, top Via, Route, From, Call-ID and CSeq number.
std::string ack_head(const Message& invite) {
  std::string out;
  out.append("ACK ").append(invite.request_uri()).append(" SIP/2.0\r\n");
  out.append("Via: ").append(first_element(invite.header(HeaderId::via))).append("\r\n");
  for (const auto& h : invite.headers()) {
    if (h.id == HeaderId::route) out.append("Route: ").append(h.value).append("\r\n");
  }
  out.append("From: ").append(invite.from()).append("\r\n");
  out.append("Call-ID: ").append(invite.call_id()).append("\r\n");
  out.append("CSeq: ").append(std::to_string(invite.cseq().number)).append(" ACK\r\n");
  out.append("Max-Forwards: 70\r\n");
  return out;
}

}  // namespace

ClientTransactions::ClientTransactions(TransactionTimers timers, std::size_t capacity)
    : timers_(timers), capacity_(capacity) {}

std::string ClientTransactions::key_of(std::string_view branch, std::string_view method) {
  std::string key;
  key.reserve(branch.size() + method.size() + 1);
  key.append(branch).append(1, kSeparator).append(method);
  return key;
}

bool ClientTransactions::start(const Message& request, const Peer& peer, TimePoint now) {
  if (!request.is_request() || request.method() == Method::ack) return false;
  const auto via = parse_via(first_element(request.header(HeaderId::via)));
  if (!via || !via->branch.starts_with(kMagicCookie)) return false;
  if (entries_.size() >= capacity_) return false;
  auto [it, inserted] = entries_.try_emplace(key_of(via->branch, request.method_text()));
  if (!inserted) return false;
  Entry& entry = it->second;
  entry.invite = request.method() == Method::invite;
  entry.peer = peer;
  entry.branch = std::string(via->branch);
  entry.request = std::string(request.bytes());
  if (entry.invite) entry.ack_head = ack_head(request);
  entry.give_up = now + 64 * timers_.t1;  // timer B or F
  entry.interval = timers_.t1;            // timer A or E, UDP only
  entry.deadline = is_reliable(peer.transport) ? entry.give_up : now + entry.interval;
  due_.push(it->first, entry.deadline);
  return true;
}

ClientTransactions::Verdict ClientTransactions::on_response(const Message& response, TimePoint now,
                                                            const Send& send) {
  if (response.is_request()) return Verdict::unmatched;
  // The top Via is ours (§17.1.3): its branch and the CSeq method name the transaction.
  const auto via = parse_via(first_element(response.header(HeaderId::via)));
  if (!via) return Verdict::unmatched;
  const auto it = entries_.find(key_of(via->branch, response.cseq().method_text));
  if (it == entries_.end()) return Verdict::unmatched;
  Entry& entry = it->second;
  const int status = response.status();
  const bool reliable = is_reliable(entry.peer.transport);

  if (entry.state == State::completed) {
    if (entry.invite && status >= 300) send(entry.peer, entry.ack);  // §17.1.1.2
    return Verdict::absorbed;
  }
  if (status < 200) {
    if (entry.invite && entry.state == State::calling) {
      // No more retransmissions; the final response may take as long as the callee rings.
      entry.give_up = now + kProceedingLimit;
      entry.deadline = entry.give_up;
      due_.push(it->first, entry.deadline);
    }
    entry.state = State::proceeding;  // non-INVITE keeps retransmitting, every T2
    return Verdict::deliver;
  }
  if (entry.invite && status < 300) {
    entries_.erase(it);  // the dialog layer acknowledges a 2xx and absorbs its retransmissions
    return Verdict::deliver;
  }
  entry.state = State::completed;
  entry.request.clear();
  if (entry.invite) {
    entry.ack = entry.ack_head;
    entry.ack.append("To: ").append(response.to()).append("\r\nContent-Length: 0\r\n\r\n");
    send(entry.peer, entry.ack);
  }
  // Timer D (at least 32 s) or K (T4) absorbs retransmitted final responses; none on TCP/TLS.
  const auto linger = entry.invite ? std::chrono::milliseconds(32000) : timers_.t4;
  entry.deadline = now + (reliable ? std::chrono::milliseconds(0) : linger);
  due_.push(it->first, entry.deadline);
  return Verdict::deliver;
}

void ClientTransactions::run_timers(TimePoint now, const Send& send, const TimedOut& timed_out) {
  while (auto due = due_.pop_due(now)) {
    const auto& [when, key] = *due;
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.deadline != when) continue;  // superseded
    Entry& entry = it->second;
    if (entry.state == State::completed) {  // timer D or K
      entries_.erase(it);
      continue;
    }
    if (when >= entry.give_up) {  // timer B or F, or an INVITE left ringing too long
      const std::string branch = std::move(entry.branch);
      const bool invite = entry.invite;
      entries_.erase(it);
      timed_out(branch, invite);
      continue;
    }
    send(entry.peer, entry.request);  // timer A or E
    if (entry.invite) {
      entry.interval *= 2;  // timer A doubles without a cap (§17.1.1.2)
    } else {
      entry.interval =
          entry.state == State::proceeding ? timers_.t2 : std::min(entry.interval * 2, timers_.t2);
    }
    entry.deadline = std::min(now + entry.interval, entry.give_up);
    due_.push(it->first, entry.deadline);
  }
}

std::optional<ClientTransactions::TimePoint> ClientTransactions::next_deadline() const {
  return due_.next();
}

}  // namespace lockline::sip
