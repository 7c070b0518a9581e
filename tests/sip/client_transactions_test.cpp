#include "sip/client_transactions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sip/header_values.hpp"
#include "sip/parser.hpp"

namespace lockline::sip {
namespace {

using namespace std::chrono_literals;
using Verdict = ClientTransactions::Verdict;
using TimePoint = ClientTransactions::TimePoint;

constexpr std::string_view kBranch = "z9hG4bKclient1";

Message parse(const std::string& text) {
  auto parsed = parse_message(text);
  if (!parsed) ADD_FAILURE() << parsed.error().message << "\n" << text;
  return std::move(parsed.value());
}

Message request(std::string_view method, std::string_view branch = kBranch,
                std::string_view transport = "UDP") {
  std::string text = std::string(method) + " sip:1002@192.0.2.30:5060 SIP/2.0\r\n";
  text += "Via: SIP/2.0/" + std::string(transport) +
          " 192.0.2.1:5060;branch=" + std::string(branch) + "\r\n";
  text += "Route: <sip:proxy.test;lr>\r\n";
  text += "From: <sip:1001@pbx.test>;tag=caller\r\n";
  text += "To: <sip:1002@pbx.test>\r\n";
  text += "Call-ID: client-call@pbx.test\r\n";
  text += "CSeq: 5 " + std::string(method) + "\r\n";
  text += "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  return parse(text);
}

Message response(int status, std::string_view method, std::string_view branch = kBranch) {
  std::string text = "SIP/2.0 " + std::to_string(status) + " Whatever\r\n";
  text += "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=" + std::string(branch) + "\r\n";
  text += "From: <sip:1001@pbx.test>;tag=caller\r\n";
  text += "To: <sip:1002@pbx.test>;tag=callee\r\n";
  text += "Call-ID: client-call@pbx.test\r\n";
  text += "CSeq: 5 " + std::string(method) + "\r\nContent-Length: 0\r\n\r\n";
  return parse(text);
}

Peer peer_on(Transport transport) {
  Peer peer;
  peer.transport = transport;
  peer.address = boost::asio::ip::make_address("192.0.2.30");
  peer.port = 5060;
  return peer;
}

class ClientTransactionsTest : public ::testing::Test {
 protected:
  // Runs the timers at `at` (relative to the start) and records what they did.
  void run_at(std::chrono::milliseconds at) {
    transactions_.run_timers(
        start_ + at,
        [this, at](const Peer&, const std::string& bytes) {
          sent_.push_back({at, bytes});
        },
        [this](const std::string& branch, bool) { timed_out_.push_back(branch); });
  }
  // Steps through the timers one deadline at a time, until `until`.
  void run_until(std::chrono::milliseconds until) {
    while (auto next = transactions_.next_deadline()) {
      if (*next > start_ + until) break;
      run_at(std::chrono::duration_cast<std::chrono::milliseconds>(*next - start_));
    }
  }
  std::vector<std::chrono::milliseconds> retransmission_times() const {
    std::vector<std::chrono::milliseconds> times;
    for (const auto& s : sent_) times.push_back(s.at);
    return times;
  }
  Verdict receive(const Message& m, std::chrono::milliseconds at) {
    return transactions_.on_response(m, start_ + at, [this, at](const Peer&, const std::string& b) {
      sent_.push_back({at, b});
    });
  }

  struct Sent {
    std::chrono::milliseconds at;
    std::string bytes;
  };
  ClientTransactions transactions_;
  TimePoint start_ = TimePoint{} + 1h;
  std::vector<Sent> sent_;
  std::vector<std::string> timed_out_;
};

TEST_F(ClientTransactionsTest, NonInviteOverUdpRetransmitsOnTimerEUntilTimerF) {
  ASSERT_TRUE(transactions_.start(request("OPTIONS"), peer_on(Transport::udp), start_));
  run_until(40s);
  // E: T1, doubling up to T2, every T2 after; F: 64×T1 = 32 s.
  const std::vector<std::chrono::milliseconds> expected{
      500ms, 1500ms, 3500ms, 7500ms, 11500ms, 15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  EXPECT_EQ(retransmission_times(), expected);
  for (const auto& s : sent_) EXPECT_EQ(s.bytes, request("OPTIONS").bytes());
  EXPECT_EQ(timed_out_, std::vector<std::string>{std::string(kBranch)});
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ClientTransactionsTest, NonInviteOverTcpIsNotRetransmittedButTimesOut) {
  ASSERT_TRUE(transactions_.start(request("OPTIONS"), peer_on(Transport::tcp), start_));
  run_at(31s);
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(timed_out_.empty());
  run_at(32s);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(timed_out_.size(), 1u);
}

TEST_F(ClientTransactionsTest, NonInviteProvisionalSlowsRetransmissionsToT2) {
  ASSERT_TRUE(transactions_.start(request("OPTIONS"), peer_on(Transport::udp), start_));
  run_at(500ms);  // the first retransmission; the next is due at 1.5 s
  EXPECT_EQ(receive(response(100, "OPTIONS"), 600ms), Verdict::deliver);
  run_until(10s);
  const std::vector<std::chrono::milliseconds> expected{500ms, 1500ms, 5500ms, 9500ms};
  EXPECT_EQ(retransmission_times(), expected);
}

TEST_F(ClientTransactionsTest, NonInviteFinalResponseStopsTimersAndAbsorbsRetransmissions) {
  ASSERT_TRUE(transactions_.start(request("OPTIONS"), peer_on(Transport::udp), start_));
  EXPECT_EQ(receive(response(200, "OPTIONS"), 100ms), Verdict::deliver);
  EXPECT_EQ(receive(response(200, "OPTIONS"), 200ms), Verdict::absorbed);
  run_at(5099ms);  // timer K: T4 = 5 s
  EXPECT_EQ(transactions_.size(), 1u);
  run_at(5100ms);
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(timed_out_.empty());
  EXPECT_EQ(receive(response(200, "OPTIONS"), 6s), Verdict::unmatched);
}

TEST_F(ClientTransactionsTest, InviteOverUdpRetransmitsOnTimerAUntilTimerB) {
  ASSERT_TRUE(transactions_.start(request("INVITE"), peer_on(Transport::udp), start_));
  run_until(40s);
  // A doubles without the T2 cap; B at 64×T1.
  const std::vector<std::chrono::milliseconds> expected{500ms,  1500ms,  3500ms,
                                                        7500ms, 15500ms, 31500ms};
  EXPECT_EQ(retransmission_times(), expected);
  EXPECT_EQ(timed_out_.size(), 1u);
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ClientTransactionsTest, InviteProvisionalStopsRetransmissionsAndLiftsTimerB) {
  ASSERT_TRUE(transactions_.start(request("INVITE"), peer_on(Transport::udp), start_));
  EXPECT_EQ(receive(response(180, "INVITE"), 100ms), Verdict::deliver);
  run_until(170s);
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(timed_out_.empty());  // ringing may take longer than timer B
  EXPECT_EQ(receive(response(183, "INVITE"), 171s), Verdict::deliver);
  run_until(100ms + ClientTransactions::kProceedingLimit);
  EXPECT_EQ(timed_out_.size(), 1u);  // but not for ever
}

TEST_F(ClientTransactionsTest, InviteErrorResponseIsAcknowledgedByTheTransaction) {
  ASSERT_TRUE(transactions_.start(request("INVITE"), peer_on(Transport::udp), start_));
  EXPECT_EQ(receive(response(486, "INVITE"), 100ms), Verdict::deliver);
  ASSERT_EQ(sent_.size(), 1u);
  const auto ack = parse(sent_[0].bytes);
  EXPECT_EQ(ack.method(), Method::ack);
  EXPECT_EQ(ack.request_uri(), "sip:1002@192.0.2.30:5060");
  EXPECT_EQ(parse_via(ack.header(HeaderId::via))->branch, kBranch);  // same branch (§17.1.1.3)
  EXPECT_EQ(ack.cseq().number, 5u);
  EXPECT_EQ(ack.cseq().method, Method::ack);
  EXPECT_EQ(ack.call_id(), "client-call@pbx.test");
  EXPECT_EQ(ack.from(), "<sip:1001@pbx.test>;tag=caller");
  EXPECT_EQ(ack.to(), "<sip:1002@pbx.test>;tag=callee");  // the response's To, with its tag
  EXPECT_EQ(ack.header(HeaderId::route), "<sip:proxy.test;lr>");

  // A retransmitted 486 gets the ACK again; no retransmission of the INVITE any more.
  EXPECT_EQ(receive(response(486, "INVITE"), 600ms), Verdict::absorbed);
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(sent_[1].bytes, sent_[0].bytes);
  run_at(32099ms);  // timer D: 32 s over UDP
  EXPECT_EQ(transactions_.size(), 1u);
  EXPECT_EQ(sent_.size(), 2u);
  run_at(32100ms);
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_TRUE(timed_out_.empty());
}

TEST_F(ClientTransactionsTest, InviteErrorOverTcpEndsAtOnce) {
  ASSERT_TRUE(
      transactions_.start(request("INVITE", kBranch, "TCP"), peer_on(Transport::tcp), start_));
  EXPECT_EQ(receive(response(603, "INVITE"), 100ms), Verdict::deliver);
  EXPECT_EQ(sent_.size(), 1u);  // the ACK
  run_at(100ms);                // timer D is zero on TCP/TLS
  EXPECT_EQ(transactions_.size(), 0u);
}

TEST_F(ClientTransactionsTest, Invite2xxEndsTheTransactionForTheDialogLayer) {
  ASSERT_TRUE(transactions_.start(request("INVITE"), peer_on(Transport::udp), start_));
  EXPECT_EQ(receive(response(200, "INVITE"), 100ms), Verdict::deliver);
  EXPECT_TRUE(sent_.empty());  // no ACK from the transaction for a 2xx
  EXPECT_EQ(transactions_.size(), 0u);
  EXPECT_EQ(receive(response(200, "INVITE"), 600ms), Verdict::unmatched);
}

TEST_F(ClientTransactionsTest, ResponsesMatchOnBranchAndCSeqMethod) {
  ASSERT_TRUE(transactions_.start(request("INVITE"), peer_on(Transport::udp), start_));
  // CANCEL uses the INVITE's branch but is a transaction of its own.
  ASSERT_TRUE(transactions_.start(request("CANCEL"), peer_on(Transport::udp), start_));
  EXPECT_EQ(receive(response(200, "CANCEL"), 100ms), Verdict::deliver);
  EXPECT_EQ(transactions_.size(), 2u);  // the CANCEL's lingers for timer K
  EXPECT_EQ(receive(response(200, "BYE"), 100ms), Verdict::unmatched);
  EXPECT_EQ(receive(response(200, "INVITE", "z9hG4bKother"), 100ms), Verdict::unmatched);
  EXPECT_EQ(receive(response(487, "INVITE"), 200ms), Verdict::deliver);
}

TEST_F(ClientTransactionsTest, RefusesWhatCannotBeATransaction) {
  EXPECT_FALSE(transactions_.start(request("ACK"), peer_on(Transport::udp), start_));
  EXPECT_FALSE(
      transactions_.start(request("OPTIONS", "rfc2543-branch"), peer_on(Transport::udp), start_));
  ASSERT_TRUE(transactions_.start(request("OPTIONS"), peer_on(Transport::udp), start_));
  EXPECT_FALSE(transactions_.start(request("OPTIONS"), peer_on(Transport::udp), start_));
  EXPECT_EQ(transactions_.size(), 1u);
}

TEST(ClientTransactions, CapacityBoundsTheTable) {
  ClientTransactions transactions({}, 2);
  const auto now = ClientTransactions::TimePoint{} + 1h;
  EXPECT_TRUE(transactions.start(request("OPTIONS", "z9hG4bKa"), peer_on(Transport::udp), now));
  EXPECT_TRUE(transactions.start(request("OPTIONS", "z9hG4bKb"), peer_on(Transport::udp), now));
  EXPECT_FALSE(transactions.start(request("OPTIONS", "z9hG4bKc"), peer_on(Transport::udp), now));
  EXPECT_EQ(transactions.size(), 2u);
}

}  // namespace
}  // namespace lockline::sip
