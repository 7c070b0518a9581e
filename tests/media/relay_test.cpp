// The relay on real loopback sockets: two "phones" (UDP sockets) and a session between them.
#include "media/relay.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "media/srtp_context.hpp"

namespace lockline::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

class Phone {
 public:
  explicit Phone(const char* ip = "127.0.0.1") : ip_(ip) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &any.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    socklen_t length = sizeof any;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&any), &length);
    port_ = ntohs(any.sin_port);
  }
  ~Phone() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  SocketAddress address() const { return *SocketAddress::from(ip_, port_); }

  void send(const Bytes& packet, std::uint16_t to_port) const {
    const auto to = *SocketAddress::from("127.0.0.1", to_port);
    ASSERT_EQ(::sendto(fd_, packet.data(), packet.size(), 0, to.get(), to.length),
              static_cast<ssize_t>(packet.size()));
  }
  // The next datagram within the timeout, and the port it came from; empty when none.
  Bytes receive(std::uint16_t* from_port = nullptr, int timeout_ms = 2000) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    Bytes buffer(2048);
    sockaddr_in from{};
    socklen_t length = sizeof from;
    const auto n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0,
                              reinterpret_cast<sockaddr*>(&from), &length);
    if (from_port) *from_port = ntohs(from.sin_port);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buffer;
  }

 private:
  const char* ip_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

Bytes rtp(std::uint16_t seq, std::uint32_t ssrc = 0x11223344) {
  Bytes p = {0x80,
             0x00,
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             0,
             0,
             0,
             160,
             static_cast<std::uint8_t>(ssrc >> 24),
             static_cast<std::uint8_t>(ssrc >> 16),
             static_cast<std::uint8_t>(ssrc >> 8),
             static_cast<std::uint8_t>(ssrc)};
  for (int i = 0; i < 160; ++i) p.push_back(static_cast<std::uint8_t>(i + seq));
  return p;
}

Bytes rtcp_report() {
  return {0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44, 1,  2,  3,  4,  5,  6,  7,  8,
          9,    10,   11,   12,   13,   14,   15,   16,   17, 18, 19, 20, 21, 22, 23, 24};
}

Bytes seal(SrtpContext& context, Bytes packet, bool rtcp = false) {
  const std::size_t length = packet.size();
  packet.resize(length + SrtpContext::kMaxOverhead);
  const auto result = rtcp ? context.protect_rtcp(packet.data(), length)
                           : context.protect_rtp(packet.data(), length);
  EXPECT_EQ(result.status, SrtpStatus::ok);
  packet.resize(result.length);
  return packet;
}

Bytes open(SrtpContext& context, Bytes packet, bool rtcp = false) {
  const auto result = rtcp ? context.unprotect_rtcp(packet.data(), packet.size())
                           : context.unprotect_rtp(packet.data(), packet.size());
  if (result.status != SrtpStatus::ok) return {};
  packet.resize(result.length);
  return packet;
}

// Every relay test runs on both I/O loops.
class RelayTest : public ::testing::TestWithParam<RelayIo> {
 protected:
  RelayOptions loopback_options() const {
    RelayOptions options;
    options.bind_address = "127.0.0.1";
    options.ports = {41000, 41999};
    options.threads = 2;
    options.io = GetParam();
    return options;
  }
};

// Setups are applied on the worker thread, soon after setup() returns: give it the time.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(200)); }

TEST_P(RelayTest, ForwardsPlainRtpBothWaysFromItsOwnPorts) {
  Relay relay(loopback_options());
  Phone a, b;
  auto session = relay.open_session();
  ASSERT_TRUE(session) << session.error().message;
  auto& s = **session;
  EXPECT_EQ(s.port(0) % 2, 0);
  EXPECT_NE(s.port(0), s.port(1));
  s.setup(0, {a.address(), false, std::nullopt, std::nullopt});
  s.setup(1, {b.address(), false, std::nullopt, std::nullopt});
  settle();

  a.send(rtp(1), s.port(0));
  std::uint16_t from = 0;
  EXPECT_EQ(b.receive(&from), rtp(1));
  EXPECT_EQ(from, s.port(1));  // B hears the relay's port from its SDP, not A's
  b.send(rtp(9, 0x55667788), s.port(1));
  EXPECT_EQ(a.receive(&from), rtp(9, 0x55667788));
  EXPECT_EQ(from, s.port(0));

  // A STUN binding request (linphone sends them to the media ports): not forwarded, not counted.
  const Bytes stun = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                      3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
  a.send(stun, s.port(0));
  EXPECT_TRUE(b.receive(nullptr, 300).empty());
  EXPECT_EQ(s.stats(0).malformed, 0u);

  // RTCP without rtcp-mux: port + 1 on both sides.
  a.send(rtcp_report(), static_cast<std::uint16_t>(s.port(0) + 1));
  settle();
  EXPECT_EQ(s.stats(0).packets_in, 2u);
  EXPECT_EQ(s.stats(1).packets_out, 2u);  // the RTP and the RTCP, towards B
  EXPECT_EQ(s.stats(0).latched, "127.0.0.1:" + std::to_string(a.port()));
}

TEST_P(RelayTest, LatchesOntoTheRealSourceAndKeepsPlainRtpToIt) {
  Relay relay(loopback_options());
  Phone a, b, sdp_claim, intruder;
  auto session = relay.open_session();
  ASSERT_TRUE(session);
  auto& s = **session;
  // A's SDP names another address than the one it sends from (a NAT in between).
  s.setup(0, {sdp_claim.address(), false, std::nullopt, std::nullopt});
  s.setup(1, {b.address(), false, std::nullopt, std::nullopt});
  settle();
  b.send(rtp(1), s.port(1));
  EXPECT_EQ(sdp_claim.receive(), rtp(1));  // before latching: the SDP address
  a.send(rtp(2), s.port(0));
  EXPECT_EQ(b.receive(), rtp(2));
  b.send(rtp(3), s.port(1));
  EXPECT_EQ(a.receive(), rtp(3));  // latched: A's real address
  EXPECT_TRUE(sdp_claim.receive(nullptr, 200).empty());
  intruder.send(rtp(4), s.port(0));
  EXPECT_TRUE(b.receive(nullptr, 300).empty());
  EXPECT_EQ(s.stats(0).foreign, 1u);
}

TEST_P(RelayTest, LatchesPlainRtpOnlyFromThePhonesOwnHosts) {
  Relay relay(loopback_options());
  Phone a, b, sprayer("127.0.0.2"), behind_nat("127.0.0.3");
  auto session = relay.open_session();
  ASSERT_TRUE(session);
  auto& s = **session;
  s.setup(0, {a.address(), false, std::nullopt, std::nullopt,
              *SocketAddress::from("127.0.0.3", 0)});  // its SIP comes from 127.0.0.3
  s.setup(1, {b.address(), false, std::nullopt, std::nullopt});
  settle();
  sprayer.send(rtp(1), s.port(0));  // neither the SDP's host nor the SIP's: not latched
  EXPECT_TRUE(b.receive(nullptr, 300).empty());
  EXPECT_EQ(s.stats(0).foreign, 1u);
  behind_nat.send(rtp(2), s.port(0));  // the SIP host (a NAT's public side): latched
  EXPECT_EQ(b.receive(), rtp(2));
  b.send(rtp(3), s.port(1));
  EXPECT_EQ(behind_nat.receive(), rtp(3));
}

TEST_P(RelayTest, ReencryptsSrtpWithEachLegsOwnKeys) {
  Relay relay(loopback_options());
  Phone a, b;
  const auto a_key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
  const auto b_key = SrtpMasterKey::random(SrtpSuite::aead_aes_128_gcm);
  const auto to_a_key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
  const auto to_b_key = SrtpMasterKey::random(SrtpSuite::aead_aes_128_gcm);
  SrtpContext a_out(a_key), b_out(b_key), a_in(to_a_key), b_in(to_b_key);
  auto session = relay.open_session();
  ASSERT_TRUE(session);
  auto& s = **session;
  s.setup(0, {a.address(), true, a_key, to_a_key});
  s.setup(1, {b.address(), true, b_key, to_b_key});
  settle();

  const auto sealed = seal(a_out, rtp(7));
  a.send(sealed, s.port(0));
  const auto at_b = b.receive();
  EXPECT_NE(at_b, sealed);  // not the same bytes: another key and suite
  EXPECT_EQ(open(b_in, at_b), rtp(7));
  b.send(seal(b_out, rtp(8, 0x99)), s.port(1));
  EXPECT_EQ(open(a_in, a.receive()), rtp(8, 0x99));
  // Muxed SRTCP comes through re-keyed as well.
  a.send(seal(a_out, rtcp_report(), true), s.port(0));
  EXPECT_EQ(open(b_in, b.receive(), true), rtcp_report());

  // A forged packet and a replayed one go nowhere.
  auto forged = seal(a_out, rtp(20));
  forged.back() ^= 1;
  a.send(forged, s.port(0));
  a.send(sealed, s.port(0));
  EXPECT_TRUE(b.receive(nullptr, 300).empty());
  const auto stats = s.stats(0);
  EXPECT_EQ(stats.unauthentic, 1u);
  EXPECT_EQ(stats.replayed, 1u);
  EXPECT_EQ(stats.packets_in, 2u);
}

TEST_P(RelayTest, InterworksSrtpAndPlainRtp) {
  Relay relay(loopback_options());
  Phone secure, plain;
  const auto secure_key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_32);
  const auto own_key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_32);
  SrtpContext secure_out(secure_key), secure_in(own_key);
  auto session = relay.open_session();
  ASSERT_TRUE(session);
  auto& s = **session;
  s.setup(0, {secure.address(), false, secure_key, own_key});
  s.setup(1, {plain.address(), false, std::nullopt, std::nullopt});
  settle();
  secure.send(seal(secure_out, rtp(100)), s.port(0));
  EXPECT_EQ(plain.receive(), rtp(100));  // decrypted for the phone without SRTP
  plain.send(rtp(200), s.port(1));
  const auto at_secure = secure.receive();
  EXPECT_NE(at_secure, rtp(200));
  EXPECT_EQ(open(secure_in, at_secure), rtp(200));
  // An unauthenticated packet on the SRTP leg neither passes nor latches.
  Phone stranger;
  stranger.send(rtp(101), s.port(0));
  EXPECT_TRUE(plain.receive(nullptr, 300).empty());
  EXPECT_EQ(s.stats(0).latched, "127.0.0.1:" + std::to_string(secure.port()));
}

TEST_P(RelayTest, HandsPortsBackWhenSessionsClose) {
  RelayOptions options = loopback_options();
  // Four pairs: two sessions. Each I/O loop's instance has its own (ctest runs them at once).
  options.ports =
      GetParam() == RelayIo::io_uring ? PortRange{42000, 42007} : PortRange{42010, 42017};
  Relay relay(options);
  auto first = relay.open_session();
  auto second = relay.open_session();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  const auto third = relay.open_session();
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().field, "listen.rtp_ports");
  first->reset();
  for (int i = 0; i < 100 && relay.free_port_pairs() < 2; ++i) settle();
  EXPECT_EQ(relay.free_port_pairs(), 2u);
  EXPECT_TRUE(relay.open_session());
}

// Many calls at once, each sending a burst larger than a round's receive buffers; then closed
// while their packets still arrive. Every call keeps flowing after the burst, and every port
// comes back.
TEST_P(RelayTest, KeepsEveryCallFlowingThroughBurstsAndClosesUnderLoad) {
  RelayOptions options = loopback_options();
  options.threads = 1;
  Relay relay(options);
  const std::size_t free_at_start = relay.free_port_pairs();
  constexpr int kCalls = 20;
  std::vector<std::unique_ptr<Phone>> a(kCalls), b(kCalls);
  std::vector<std::unique_ptr<MediaSession>> sessions;
  for (int i = 0; i < kCalls; ++i) {
    a[i] = std::make_unique<Phone>();
    b[i] = std::make_unique<Phone>();
    auto session = relay.open_session();
    ASSERT_TRUE(session);
    (*session)->setup(0, {a[i]->address(), false, std::nullopt, std::nullopt});
    (*session)->setup(1, {b[i]->address(), false, std::nullopt, std::nullopt});
    sessions.push_back(std::move(*session));
  }
  settle();
  for (std::uint16_t seq = 0; seq < 200; ++seq) {
    for (int i = 0; i < kCalls; ++i) a[i]->send(rtp(seq), sessions[i]->port(0));
  }
  settle();
  for (int i = 0; i < kCalls; ++i) {
    while (!b[i]->receive(nullptr, 50).empty()) {
    }
    a[i]->send(rtp(1000), sessions[i]->port(0));
    EXPECT_EQ(b[i]->receive(), rtp(1000)) << "call " << i;
  }
  for (std::uint16_t seq = 0; seq < 50; ++seq) {
    for (int i = 0; i < kCalls; ++i) a[i]->send(rtp(seq), sessions[i]->port(0));
  }
  sessions.clear();  // closed with packets still queued on their sockets
  for (int i = 0; i < 100 && relay.free_port_pairs() < free_at_start; ++i) settle();
  EXPECT_EQ(relay.free_port_pairs(), free_at_start);
}

TEST_P(RelayTest, UsesTheWayItWasAskedFor) {
  Relay relay(loopback_options());
  EXPECT_EQ(relay.io(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Io, RelayTest, ::testing::Values(RelayIo::io_uring, RelayIo::epoll),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(PortRange, ReadsTheSetting) {
  const auto range = parse_port_range("20001-20010", "listen.rtp_ports");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 20001);
  PortPairs pairs(*range);
  EXPECT_EQ(pairs.free_pairs(), 4u);  // 20002, 20004, 20006, 20008
  EXPECT_EQ(pairs.take(), 20002);
  for (const char* bad : {"", "20000", "20000-", "-20000", "80-90", "30000-20000", "20001-20002",
                          "20000-70000", "a-b"}) {
    const auto error = parse_port_range(bad, "listen.rtp_ports");
    EXPECT_FALSE(error) << bad;
    if (!error) {
      EXPECT_EQ(error.error().field, "listen.rtp_ports");
    }
  }
}

}  // namespace
}  // namespace lockline::media
