#include "sip/server_transactions.hpp"

#include <algorithm>

#include "sip/header_values.hpp"

namespace lockline::sip {

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";  // RFC 3261 branches start with it
constexpr char kSeparator = '\x1f';

}  // namespace

ServerTransactions::ServerTransactions(TransactionTimers timers, std::size_t capacity)
    : timers_(timers), capacity_(capacity) {}

std::string ServerTransactions::key_of(const Message& request) {
  const auto via = parse_via(request.header(HeaderId::via));  // checked by the parser
  // An ACK belongs to the INVITE transaction it acknowledges (§17.2.3).
  const auto method =
      request.method() == Method::ack ? std::string_view("INVITE") : request.method_text();
  std::string key;
  if (via && via->branch.starts_with(kMagicCookie)) {
    key.reserve(via->branch.size() + via->sent_by.host.size() + method.size() + 8);
    key += via->branch;
    key += kSeparator;
    key += via->sent_by.host;
    key += kSeparator;
    key += std::to_string(via->sent_by.port.value_or(0));
    key += kSeparator;
    key += method;
    return key;
  }
  // RFC 2543 peers: match on the request's identity instead (§17.2.3, second part).
  const auto to = parse_name_addr(request.to());
  key += request.call_id();
  key += kSeparator;
  key += std::to_string(request.cseq().number);
  key += kSeparator;
  key += method;
  key += kSeparator;
  key += request.from();
  key += kSeparator;
  if (via) key += via->text;
  if (to && request.method() != Method::ack) key += find_param(to->params, "tag").value_or("");
  return key;
}

ServerTransactions::Match ServerTransactions::on_request(const Message& request, TimePoint now) {
  const auto key = key_of(request);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return {Verdict::new_request};
  Entry& entry = it->second;
  if (request.method() == Method::ack) {
    if (entry.invite && entry.state == State::completed) {
      entry.state = State::confirmed;
      entry.response.clear();
      // Timer I: absorb further ACKs for T4 on UDP, none on TCP/TLS.
      entry.deadline =
          now + (is_reliable(entry.peer.transport) ? std::chrono::milliseconds(0) : timers_.t4);
      due_.push(it->first, entry.deadline);
    }
    return {Verdict::absorbed};
  }
  if (entry.state == State::completed) return {Verdict::resend, &entry.response};
  return {Verdict::absorbed};
}

const std::string* ServerTransactions::answered(const Message& request, const Peer& peer,
                                                int status, std::string&& response, TimePoint now) {
  const bool invite = request.method() == Method::invite;
  const bool reliable = is_reliable(peer.transport);
  // A 2xx ends an INVITE transaction (the dialog layer resends it); timer J is zero on TCP/TLS.
  if (request.method() == Method::ack || (invite && status < 300) || (!invite && reliable)) {
    return nullptr;
  }
  // Bounded: beyond the capacity, retransmissions are handled again like new requests.
  if (entries_.size() >= capacity_) return nullptr;
  auto [it, inserted] = entries_.try_emplace(key_of(request));
  if (!inserted) return nullptr;
  Entry& entry = it->second;
  entry.invite = invite;
  entry.peer = peer;
  entry.state = State::completed;
  entry.response = std::move(response);
  if (entry.invite) {
    entry.give_up = now + 64 * timers_.t1;  // timer H
    entry.interval = timers_.t1;            // timer G, UDP only
    entry.deadline = reliable ? entry.give_up : now + entry.interval;
  } else {
    entry.deadline = now + 64 * timers_.t1;  // timer J
  }
  due_.push(it->first, entry.deadline);
  return &entry.response;
}

void ServerTransactions::run_timers(
    TimePoint now, const std::function<void(const Peer&, const std::string&)>& send) {
  while (auto due = due_.pop_due(now)) {
    const auto& [when, key] = *due;
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.deadline != when) continue;  // superseded
    Entry& entry = it->second;
    const bool retransmit = entry.invite && entry.state == State::completed &&
                            !is_reliable(entry.peer.transport) && when < entry.give_up;
    if (!retransmit) {
      entries_.erase(it);
      continue;
    }
    send(entry.peer, entry.response);  // timer G
    entry.interval = std::min(entry.interval * 2, timers_.t2);
    entry.deadline = std::min(now + entry.interval, entry.give_up);
    due_.push(it->first, entry.deadline);
  }
}

std::optional<ServerTransactions::TimePoint> ServerTransactions::next_deadline() const {
  return due_.next();
}

}  // namespace lockline::sip
