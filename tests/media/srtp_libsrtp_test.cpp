// Packet-for-packet agreement with libsrtp (Debian's libsrtp2), the reference implementation:
// the same key and packet must give the same bytes, and each side must accept the other's.
#include "media/srtp_context.hpp"

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <vector>

namespace lockline::media {
namespace {

struct LibsrtpSession {
  srtp_t session = nullptr;
  LibsrtpSession(const SrtpMasterKey& key, srtp_ssrc_type_t direction) {
    static const bool initialised = srtp_init() == srtp_err_status_ok;
    EXPECT_TRUE(initialised);
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    switch (key.suite()) {
      case SrtpSuite::aes_cm_128_hmac_sha1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
      case SrtpSuite::aes_cm_128_hmac_sha1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
      case SrtpSuite::aead_aes_128_gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
        break;
    }
    policy.ssrc.type = direction;
    std::vector<unsigned char> bytes(key.bytes().begin(), key.bytes().end());
    policy.key = bytes.data();
    policy.window_size = 128;
    EXPECT_EQ(srtp_create(&session, &policy), srtp_err_status_ok);
  }
  ~LibsrtpSession() { srtp_dealloc(session); }
};

std::vector<std::uint8_t> rtp_packet(std::uint16_t seq, std::size_t payload, bool extension) {
  std::vector<std::uint8_t> p = {0x80,
                                 0x00,
                                 static_cast<std::uint8_t>(seq >> 8),
                                 static_cast<std::uint8_t>(seq),
                                 0x00,
                                 0x01,
                                 0xe2,
                                 0x40,
                                 0xca,
                                 0xfe,
                                 0xba,
                                 0xbe};
  if (extension) {
    p[0] |= 0x11;  // one CSRC and a header extension of one word
    p.insert(p.end(), {0x12, 0x34, 0x56, 0x78, 0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00});
  }
  for (std::size_t i = 0; i < payload; ++i) p.push_back(static_cast<std::uint8_t>(i * 7 + seq));
  return p;
}

std::vector<std::uint8_t> rtcp_report(std::uint8_t fill) {
  // A receiver report with one report block: 8 + 24 bytes.
  std::vector<std::uint8_t> p = {0x81, 0xc9, 0x00, 0x07, 0xca, 0xfe, 0xba, 0xbe};
  for (int i = 0; i < 24; ++i) p.push_back(static_cast<std::uint8_t>(fill + i));
  return p;
}

class AgreesWithLibsrtp : public ::testing::TestWithParam<SrtpSuite> {};

TEST_P(AgreesWithLibsrtp, RtpBothWaysAcrossASequenceWrap) {
  const auto key = SrtpMasterKey::random(GetParam());
  SrtpContext ours_out(key), ours_in(key);
  LibsrtpSession theirs_out(key, ssrc_any_outbound), theirs_in(key, ssrc_any_inbound);
  int n = 0;
  for (std::uint16_t seq : {65530, 65531, 65533, 65532, 65535, 0, 1, 2, 3, 100}) {
    const auto plain = rtp_packet(seq, 160 + n, n % 3 == 0);
    ++n;
    std::vector<std::uint8_t> mine = plain, reference = plain;
    mine.resize(plain.size() + SrtpContext::kMaxOverhead);
    reference.resize(plain.size() + SRTP_MAX_TRAILER_LEN);
    const auto protected_mine = ours_out.protect_rtp(mine.data(), plain.size());
    ASSERT_EQ(protected_mine.status, SrtpStatus::ok);
    int reference_length = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect(theirs_out.session, reference.data(), &reference_length),
              srtp_err_status_ok);
    mine.resize(protected_mine.length);
    reference.resize(static_cast<std::size_t>(reference_length));
    EXPECT_EQ(mine, reference) << "seq " << seq;

    // libsrtp accepts ours; we accept libsrtp's.
    int length = static_cast<int>(mine.size());
    ASSERT_EQ(srtp_unprotect(theirs_in.session, mine.data(), &length), srtp_err_status_ok);
    EXPECT_EQ(std::vector<std::uint8_t>(mine.begin(), mine.begin() + length), plain);
    const auto opened = ours_in.unprotect_rtp(reference.data(), reference.size());
    ASSERT_EQ(opened.status, SrtpStatus::ok) << "seq " << seq;
    reference.resize(opened.length);
    EXPECT_EQ(reference, plain);
  }
}

TEST_P(AgreesWithLibsrtp, RtcpBothWays) {
  const auto key = SrtpMasterKey::random(GetParam());
  SrtpContext ours_out(key), ours_in(key);
  LibsrtpSession theirs_out(key, ssrc_any_outbound), theirs_in(key, ssrc_any_inbound);
  for (std::uint8_t fill = 0; fill < 5; ++fill) {
    const auto plain = rtcp_report(fill);
    std::vector<std::uint8_t> mine = plain, reference = plain;
    mine.resize(plain.size() + SrtpContext::kMaxOverhead);
    reference.resize(plain.size() + SRTP_MAX_TRAILER_LEN + 4);
    const auto protected_mine = ours_out.protect_rtcp(mine.data(), plain.size());
    ASSERT_EQ(protected_mine.status, SrtpStatus::ok);
    int reference_length = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect_rtcp(theirs_out.session, reference.data(), &reference_length),
              srtp_err_status_ok);
    mine.resize(protected_mine.length);
    reference.resize(static_cast<std::size_t>(reference_length));
    EXPECT_EQ(mine, reference) << "report " << int{fill};

    int length = static_cast<int>(mine.size());
    ASSERT_EQ(srtp_unprotect_rtcp(theirs_in.session, mine.data(), &length), srtp_err_status_ok);
    EXPECT_EQ(std::vector<std::uint8_t>(mine.begin(), mine.begin() + length), plain);
    const auto opened = ours_in.unprotect_rtcp(reference.data(), reference.size());
    ASSERT_EQ(opened.status, SrtpStatus::ok);
    reference.resize(opened.length);
    EXPECT_EQ(reference, plain);
  }
}

INSTANTIATE_TEST_SUITE_P(Suites, AgreesWithLibsrtp,
                         ::testing::Values(SrtpSuite::aes_cm_128_hmac_sha1_80,
                                           SrtpSuite::aes_cm_128_hmac_sha1_32,
                                           SrtpSuite::aead_aes_128_gcm));

}  // namespace
}  // namespace lockline::media
