#include "sip/server_transactions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sip/parser.hpp"

namespace lockline::sip {
namespace {

using namespace std::chrono_literals;
using Verdict = ServerTransactions::Verdict;
using TimePoint = ServerTransactions::TimePoint;

struct RequestSpec {
  std::string method = "REGISTER";
  std::string branch = "z9hG4bKtx1";
  std::string sent_by = "192.0.2.10:5060";
  std::string transport = "UDP";
  std::string call_id = "tx-call@192.0.2.10";
  std::uint32_t cseq = 1;
  std::string to_tag;
};

Message request(const RequestSpec& spec) {
  // ACK and CANCEL carry the CSeq number of the INVITE, with their own method.
  std::string text = spec.method + " sip:1002@pbx.test SIP/2.0\r\n";
  text += "Via: SIP/2.0/" + spec.transport + " " + spec.sent_by;
  if (!spec.branch.empty()) text += ";branch=" + spec.branch;
  text += "\r\nFrom: <sip:1001@pbx.test>;tag=from1\r\n";
  text += "To: <sip:1002@pbx.test>" + (spec.to_tag.empty() ? "" : ";tag=" + spec.to_tag) + "\r\n";
  text += "Call-ID: " + spec.call_id + "\r\n";
  text += "CSeq: " + std::to_string(spec.cseq) + " " + spec.method + "\r\n";
  text += "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  auto parsed = parse_message(text);
  if (!parsed) ADD_FAILURE() << parsed.error().message << "\n" << text;
  return std::move(parsed.value());
}

Message request_with(std::string method, std::string branch = "z9hG4bKtx1") {
  RequestSpec spec;
  spec.method = std::move(method);
  spec.branch = std::move(branch);
  return request(spec);
}

Peer udp_peer() {
  Peer peer;
  peer.transport = Transport::udp;
  peer.address = boost::asio::ip::make_address("192.0.2.10");
  peer.port = 5060;
  return peer;
}

Peer tcp_peer() {
  Peer peer = udp_peer();
  peer.transport = Transport::tcp;
  peer.connection_id = 7;
  return peer;
}

class ServerTransactionsTest : public ::testing::Test {
 protected:
  // Defaults: T1 500 ms, T2 4 s, T4 5 s.
  ServerTransactions transactions_;
  const TimePoint t0_ = TimePoint{} + 1000s;
  std::vector<std::pair<TimePoint, std::string>> sent_;

  void run(TimePoint now) {
    transactions_.run_timers(
        now, [&](const Peer&, const std::string& bytes) { sent_.emplace_back(now, bytes); });
  }
};

TEST_F(ServerTransactionsTest, DefaultTimersAreRfc3261s) {
  const TransactionTimers timers;
  EXPECT_EQ(timers.t1, 500ms);
  EXPECT_EQ(timers.t2, 4s);
  EXPECT_EQ(timers.t4, 5s);
}

TEST_F(ServerTransactionsTest, NewRequestThenResendOfTheSameResponse) {
  const auto reg = request_with("REGISTER");
  EXPECT_EQ(transactions_.on_request(reg, t0_).verdict, Verdict::new_request);
  std::string response = "SIP/2.0 200 OK\r\nX: first\r\n\r\n";
  const auto* kept = transactions_.answered(reg, udp_peer(), 200, std::move(response), t0_);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, "SIP/2.0 200 OK\r\nX: first\r\n\r\n");
  EXPECT_EQ(transactions_.size(), 1u);
  // A retransmission parsed afresh from the same bytes.
  const auto again = request_with("REGISTER");
  const auto match = transactions_.on_request(again, t0_ + 1s);
  EXPECT_EQ(match.verdict, Verdict::resend);
  ASSERT_NE(match.response, nullptr);
  EXPECT_EQ(*match.response, "SIP/2.0 200 OK\r\nX: first\r\n\r\n");
  EXPECT_EQ(transactions_.size(), 1u);
}

TEST_F(ServerTransactionsTest, OtherBranchesMethodsAndSendersAreOtherTransactions) {
  const auto reg = request_with("REGISTER");
  ASSERT_NE(transactions_.answered(reg, udp_peer(), 200, "ok", t0_), nullptr);
  EXPECT_EQ(transactions_.on_request(request_with("REGISTER", "z9hG4bKother"), t0_).verdict,
            Verdict::new_request);
  EXPECT_EQ(transactions_.on_request(request_with("OPTIONS"), t0_).verdict, Verdict::new_request);
  RequestSpec elsewhere;
  elsewhere.sent_by = "192.0.2.11:5060";
  EXPECT_EQ(transactions_.on_request(request(elsewhere), t0_).verdict, Verdict::new_request);
  RequestSpec other_port;
  other_port.sent_by = "192.0.2.10:5062";
  EXPECT_EQ(transactions_.on_request(request(other_port), t0_).verdict, Verdict::new_request);
  EXPECT_EQ(transactions_.on_request(request(RequestSpec{}), t0_).verdict, Verdict::resend);
}

TEST_F(ServerTransactionsTest, MatchesRfc2543RequestsWithoutTheMagicCookie) {
  RequestSpec old;
  old.branch = "";
  const auto first = request(old);
  ASSERT_NE(transactions_.answered(first, udp_peer(), 200, "old ok", t0_), nullptr);
  const auto match = transactions_.on_request(request(old), t0_);
  EXPECT_EQ(match.verdict, Verdict::resend);
  ASSERT_NE(match.response, nullptr);
  EXPECT_EQ(*match.response, "old ok");
  RequestSpec next = old;
  next.cseq = 2;
  EXPECT_EQ(transactions_.on_request(request(next), t0_).verdict, Verdict::new_request);
}

TEST_F(ServerTransactionsTest, NonInviteOverTcpIsNotKept) {
  const auto reg = request_with("REGISTER");
  std::string response = "SIP/2.0 200 OK\r\n\r\n";
  EXPECT_EQ(transactions_.answered(reg, tcp_peer(), 200, std::move(response), t0_), nullptr);
  EXPECT_EQ(response, "SIP/2.0 200 OK\r\n\r\n");  // left as it was
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_EQ(transactions_.on_request(reg, t0_).verdict, Verdict::new_request);
  EXPECT_FALSE(transactions_.next_deadline());
}

TEST_F(ServerTransactionsTest, TimerJEndsANonInviteTransactionAfter64T1) {
  const auto reg = request_with("REGISTER");
  ASSERT_NE(transactions_.answered(reg, udp_peer(), 200, "ok", t0_), nullptr);
  EXPECT_EQ(transactions_.next_deadline(), t0_ + 32s);
  run(t0_ + 32s - 1ms);
  EXPECT_EQ(transactions_.size(), 1u);
  EXPECT_EQ(transactions_.on_request(reg, t0_ + 32s - 1ms).verdict, Verdict::resend);
  run(t0_ + 32s);
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_TRUE(sent_.empty());  // non-INVITE final responses are never retransmitted on a timer
  EXPECT_EQ(transactions_.on_request(reg, t0_ + 32s).verdict, Verdict::new_request);
}

TEST_F(ServerTransactionsTest, InviteErrorOverUdpIsRetransmittedByTimerGUntilTimerH) {
  const auto invite = request_with("INVITE");
  EXPECT_EQ(transactions_.on_request(invite, t0_).verdict, Verdict::new_request);
  ASSERT_NE(transactions_.answered(invite, udp_peer(), 486, "busy", t0_), nullptr);
  EXPECT_EQ(transactions_.next_deadline(), t0_ + 500ms);
  run(t0_ + 499ms);
  EXPECT_TRUE(sent_.empty());
  // Drive the timers exactly at each deadline.
  for (int guard = 0; guard < 100; ++guard) {
    const auto next = transactions_.next_deadline();
    if (!next) break;
    run(*next);
  }
  // G doubles from T1 up to T2, then stays at T2; H ends it all at 64*T1 = 32 s.
  const std::vector<std::chrono::milliseconds> expected = {
      500ms, 1500ms, 3500ms, 7500ms, 11500ms, 15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  std::vector<std::chrono::milliseconds> at;
  for (const auto& [when, bytes] : sent_) {
    at.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(when - t0_));
    EXPECT_EQ(bytes, "busy");
  }
  EXPECT_EQ(at, expected);
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_EQ(transactions_.on_request(invite, t0_ + 33s).verdict, Verdict::new_request);
}

TEST_F(ServerTransactionsTest, InviteRetransmissionGetsTheResponseAgain) {
  const auto invite = request_with("INVITE");
  ASSERT_NE(transactions_.answered(invite, udp_peer(), 404, "not found", t0_), nullptr);
  const auto match = transactions_.on_request(invite, t0_ + 100ms);
  EXPECT_EQ(match.verdict, Verdict::resend);
  ASSERT_NE(match.response, nullptr);
  EXPECT_EQ(*match.response, "not found");
}

TEST_F(ServerTransactionsTest, AckConfirmsAndStopsRetransmissions) {
  const auto invite = request_with("INVITE");
  ASSERT_NE(transactions_.answered(invite, udp_peer(), 486, "busy", t0_), nullptr);
  run(t0_ + 500ms);
  ASSERT_EQ(sent_.size(), 1u);
  // The ACK for a non-2xx final response has the INVITE's branch (RFC 3261 §17.1.1.3).
  EXPECT_EQ(transactions_.on_request(request_with("ACK"), t0_ + 600ms).verdict, Verdict::absorbed);
  for (auto t = t0_ + 600ms; t < t0_ + 40s; t += 100ms) run(t);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ServerTransactionsTest, ConfirmedInviteAbsorbsRetransmissionsUntilTimerI) {
  const auto invite = request_with("INVITE");
  ASSERT_NE(transactions_.answered(invite, udp_peer(), 486, "busy", t0_), nullptr);
  const auto ack = request_with("ACK");
  EXPECT_EQ(transactions_.on_request(ack, t0_ + 100ms).verdict, Verdict::absorbed);
  // Confirmed: a late INVITE copy or ACK copy is absorbed, not answered again.
  EXPECT_EQ(transactions_.on_request(invite, t0_ + 200ms).verdict, Verdict::absorbed);
  EXPECT_EQ(transactions_.on_request(ack, t0_ + 300ms).verdict, Verdict::absorbed);
  // Timer I: T4 after the ACK on UDP.
  run(t0_ + 100ms + 5s - 1ms);
  EXPECT_EQ(transactions_.size(), 1u);
  EXPECT_TRUE(sent_.empty());
  run(t0_ + 100ms + 5s);
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ServerTransactionsTest, AckWithoutTransactionGoesUp) {
  // An ACK to a 2xx is the dialog's, not a transaction's: passed on as new.
  EXPECT_EQ(transactions_.on_request(request_with("ACK", "z9hG4bKack2xx"), t0_).verdict,
            Verdict::new_request);
  // And nothing is kept for it.
  EXPECT_EQ(transactions_.answered(request_with("ACK", "z9hG4bKack2xx"), udp_peer(), 200, "x", t0_),
            nullptr);
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ServerTransactionsTest, Invite2xxIsNotKept) {
  const auto invite = request_with("INVITE");
  std::string ok = "SIP/2.0 200 OK\r\n\r\n";
  EXPECT_EQ(transactions_.answered(invite, udp_peer(), 200, std::move(ok), t0_), nullptr);
  EXPECT_EQ(ok, "SIP/2.0 200 OK\r\n\r\n");
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_EQ(transactions_.on_request(invite, t0_).verdict, Verdict::new_request);
}

TEST_F(ServerTransactionsTest, InviteErrorOverTcpIsKeptButNotRetransmitted) {
  RequestSpec spec;
  spec.method = "INVITE";
  spec.transport = "TCP";
  const auto invite = request(spec);
  ASSERT_NE(transactions_.answered(invite, tcp_peer(), 486, "busy", t0_), nullptr);
  EXPECT_EQ(transactions_.on_request(invite, t0_ + 1s).verdict, Verdict::resend);
  run(t0_ + 32s - 1ms);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(transactions_.size(), 1u);
  run(t0_ + 32s);  // timer H
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ServerTransactionsTest, AckOverTcpEndsTheTransactionAtOnce) {
  RequestSpec spec;
  spec.method = "INVITE";
  spec.transport = "TCP";
  ASSERT_NE(transactions_.answered(request(spec), tcp_peer(), 486, "busy", t0_), nullptr);
  spec.method = "ACK";
  EXPECT_EQ(transactions_.on_request(request(spec), t0_ + 1s).verdict, Verdict::absorbed);
  run(t0_ + 1s);  // timer I is zero on a reliable transport
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ServerTransactionsTest, CustomTimersAreUsed) {
  ServerTransactions fast(TransactionTimers{10ms, 40ms, 50ms});
  const auto invite = request_with("INVITE");
  ASSERT_NE(fast.answered(invite, udp_peer(), 480, "away", t0_), nullptr);
  std::vector<std::chrono::milliseconds> at;
  for (int guard = 0; guard < 100; ++guard) {
    const auto next = fast.next_deadline();
    if (!next) break;
    fast.run_timers(*next, [&](const Peer& peer, const std::string& bytes) {
      EXPECT_EQ(peer.port, 5060);
      EXPECT_EQ(bytes, "away");
      at.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*next - t0_));
    });
  }
  // 10, +20, +40 (T2), +40 ... until H at 64*T1 = 640 ms.
  std::vector<std::chrono::milliseconds> expected = {10ms, 30ms, 70ms};
  for (auto t = 110ms; t < 640ms; t += 40ms) expected.push_back(t);
  EXPECT_EQ(at, expected);
  EXPECT_EQ(fast.size(), 0u);
}

TEST_F(ServerTransactionsTest, AnsweringTwiceKeepsTheFirstResponse) {
  const auto reg = request_with("REGISTER");
  ASSERT_NE(transactions_.answered(reg, udp_peer(), 200, "first", t0_), nullptr);
  std::string second = "second";
  EXPECT_EQ(transactions_.answered(reg, udp_peer(), 500, std::move(second), t0_), nullptr);
  EXPECT_EQ(second, "second");
  EXPECT_EQ(*transactions_.on_request(reg, t0_).response, "first");
}

TEST_F(ServerTransactionsTest, CapacityBoundsTheTable) {
  ServerTransactions small({}, 2);
  const auto a = request_with("REGISTER", "z9hG4bKa");
  const auto b = request_with("REGISTER", "z9hG4bKb");
  const auto c = request_with("REGISTER", "z9hG4bKc");
  ASSERT_NE(small.answered(a, udp_peer(), 200, "a", t0_), nullptr);
  ASSERT_NE(small.answered(b, udp_peer(), 200, "b", t0_), nullptr);
  std::string response_c = "c";
  EXPECT_EQ(small.answered(c, udp_peer(), 200, std::move(response_c), t0_), nullptr);
  EXPECT_EQ(response_c, "c");
  EXPECT_EQ(small.size(), 2u);
  EXPECT_EQ(small.on_request(c, t0_).verdict, Verdict::new_request);
  EXPECT_EQ(small.on_request(a, t0_).verdict, Verdict::resend);
  // Once timer J frees room, new transactions are kept again.
  small.run_timers(t0_ + 32s, [](const Peer&, const std::string&) {});
  EXPECT_EQ(small.size(), 0u);
  EXPECT_NE(small.answered(c, udp_peer(), 200, "c", t0_ + 32s), nullptr);
}

}  // namespace
}  // namespace lockline::sip
