#include "media/srtp_context.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace lockline::media {
namespace {

std::vector<std::uint8_t> rtp(std::uint16_t seq, std::uint32_t ssrc = 0xcafebabe) {
  std::vector<std::uint8_t> p = {0x80,
                                 0x00,
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 0,
                                 0,
                                 0,
                                 0,
                                 static_cast<std::uint8_t>(ssrc >> 24),
                                 static_cast<std::uint8_t>(ssrc >> 16),
                                 static_cast<std::uint8_t>(ssrc >> 8),
                                 static_cast<std::uint8_t>(ssrc)};
  p.resize(12 + 160, 0xd5);
  return p;
}

// Protects a copy of plain and returns it sized to the protected length.
std::vector<std::uint8_t> protect(SrtpContext& context, std::vector<std::uint8_t> plain) {
  const std::size_t length = plain.size();
  plain.resize(length + SrtpContext::kMaxOverhead);
  const auto result = context.protect_rtp(plain.data(), length);
  EXPECT_EQ(result.status, SrtpStatus::ok);
  plain.resize(result.length);
  return plain;
}

SrtpStatus unprotect(SrtpContext& context, std::vector<std::uint8_t> packet) {
  return context.unprotect_rtp(packet.data(), packet.size()).status;
}

TEST(PacketIndex, GuessesTheRolloverCounterAroundTheHighestIndex) {
  PacketIndex index;
  EXPECT_EQ(index.estimate(5), 5u);
  index.advance(65535);
  EXPECT_EQ(index.estimate(2), 65536u + 2);  // wrapped forwards
  index.advance(65536 + 2);
  EXPECT_EQ(index.estimate(65534), 65534u);          // a late packet from before the wrap
  EXPECT_EQ(index.estimate(30000), 65536u + 30000);  // nearer ahead
  EXPECT_EQ(index.estimate(40000), 40000u);          // nearer behind
  PacketIndex fresh;
  fresh.advance(3);
  EXPECT_EQ(fresh.estimate(65000), 65000u);  // no rollover counter below zero
}

TEST(ReplayWindow, AcceptsEachIndexOnceAndNothingTooOld) {
  ReplayWindow window;
  EXPECT_TRUE(window.fresh(100));
  window.accept(100);
  EXPECT_FALSE(window.fresh(100));
  EXPECT_TRUE(window.fresh(99));
  window.accept(99);
  EXPECT_FALSE(window.fresh(99));
  window.accept(200);
  EXPECT_FALSE(window.fresh(100));  // 100 behind: outside the window
  EXPECT_TRUE(window.fresh(137));   // 63 behind, never seen
  EXPECT_FALSE(window.fresh(136));  // 64 behind
}

class EachSuite : public ::testing::TestWithParam<SrtpSuite> {};

TEST_P(EachSuite, RoundTripsAndRefusesTamperingReplayAndTheWrongKey) {
  const auto key = SrtpMasterKey::random(GetParam());
  SrtpContext sender(key), receiver(key), stranger(SrtpMasterKey::random(GetParam()));
  const auto first = protect(sender, rtp(1));
  EXPECT_NE(first, rtp(1));
  EXPECT_EQ(unprotect(stranger, first), SrtpStatus::unauthentic);

  for (std::size_t byte : {std::size_t{2}, std::size_t{12}, first.size() - 1}) {
    auto tampered = first;
    tampered[byte] ^= 0x01;
    EXPECT_EQ(unprotect(receiver, tampered), SrtpStatus::unauthentic) << "byte " << byte;
  }
  auto packet = first;
  const auto opened = receiver.unprotect_rtp(packet.data(), packet.size());
  ASSERT_EQ(opened.status, SrtpStatus::ok);
  packet.resize(opened.length);
  EXPECT_EQ(packet, rtp(1));
  EXPECT_EQ(unprotect(receiver, first), SrtpStatus::replayed);
  EXPECT_EQ(unprotect(receiver, protect(sender, rtp(2))), SrtpStatus::ok);
}

TEST_P(EachSuite, KeepsStreamsApartAndRefusesMalformedPackets) {
  const auto key = SrtpMasterKey::random(GetParam());
  SrtpContext sender(key), receiver(key);
  EXPECT_EQ(unprotect(receiver, protect(sender, rtp(7, 1))), SrtpStatus::ok);
  EXPECT_EQ(unprotect(receiver, protect(sender, rtp(7, 2))), SrtpStatus::ok);  // another SSRC

  std::vector<std::uint8_t> buffer(64 + SrtpContext::kMaxOverhead, 0);
  EXPECT_EQ(sender.protect_rtp(buffer.data(), 11).status, SrtpStatus::malformed);
  buffer[0] = 0x80;
  EXPECT_EQ(sender.protect_rtp(buffer.data(), 11).status, SrtpStatus::malformed);
  buffer[0] = 0x8f;  // 15 CSRCs do not fit in 64 bytes
  EXPECT_EQ(sender.protect_rtp(buffer.data(), 64).status, SrtpStatus::malformed);
  buffer[0] = 0x90;  // an extension longer than the packet
  buffer[14] = 0xff;
  EXPECT_EQ(sender.protect_rtp(buffer.data(), 64).status, SrtpStatus::malformed);
  buffer[0] = 0x40;  // RTP version 1
  EXPECT_EQ(receiver.unprotect_rtp(buffer.data(), 64).status, SrtpStatus::malformed);
  EXPECT_EQ(receiver.unprotect_rtp(buffer.data(), 3).status, SrtpStatus::malformed);
  EXPECT_EQ(receiver.unprotect_rtcp(buffer.data(), 7).status, SrtpStatus::malformed);
  buffer[0] = 0x80;
  EXPECT_EQ(receiver.unprotect_rtcp(buffer.data(), 40).status, SrtpStatus::unauthentic);
}

TEST_P(EachSuite, RtcpRoundTripsOnceOnly) {
  const auto key = SrtpMasterKey::random(GetParam());
  SrtpContext sender(key), receiver(key);
  std::vector<std::uint8_t> report = {0x80, 0xc9, 0x00, 0x01, 0xca, 0xfe, 0xba, 0xbe};
  std::vector<std::uint8_t> packet = report;
  packet.resize(report.size() + SrtpContext::kMaxOverhead);
  const auto sealed = sender.protect_rtcp(packet.data(), report.size());
  ASSERT_EQ(sealed.status, SrtpStatus::ok);
  packet.resize(sealed.length);
  auto copy = packet;
  const auto opened = receiver.unprotect_rtcp(copy.data(), copy.size());
  ASSERT_EQ(opened.status, SrtpStatus::ok);
  copy.resize(opened.length);
  EXPECT_EQ(copy, report);
  EXPECT_EQ(receiver.unprotect_rtcp(packet.data(), packet.size()).status, SrtpStatus::replayed);
}

INSTANTIATE_TEST_SUITE_P(Suites, EachSuite,
                         ::testing::Values(SrtpSuite::aes_cm_128_hmac_sha1_80,
                                           SrtpSuite::aes_cm_128_hmac_sha1_32,
                                           SrtpSuite::aead_aes_128_gcm));

TEST(SrtpSuites, AreNamedAsInSdes) {
  EXPECT_EQ(srtp_suite_named("AES_CM_128_HMAC_SHA1_80"), SrtpSuite::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(srtp_suite_named("AEAD_AES_128_GCM"), SrtpSuite::aead_aes_128_gcm);
  EXPECT_FALSE(srtp_suite_named("F8_128_HMAC_SHA1_80"));
  const std::vector<std::uint8_t> short_key(29, 1);
  EXPECT_FALSE(SrtpMasterKey::from_bytes(SrtpSuite::aes_cm_128_hmac_sha1_80, short_key));
  EXPECT_TRUE(
      SrtpMasterKey::from_bytes(SrtpSuite::aead_aes_128_gcm, std::vector<std::uint8_t>(28, 1)));
  const auto a = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
  const auto b = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(a.bytes().size(), 30u);
  EXPECT_FALSE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
}

}  // namespace
}  // namespace lockline::media
