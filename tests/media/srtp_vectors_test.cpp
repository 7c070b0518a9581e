// Known answers: libsrtp's own validation packets (test/srtp_driver.c, srtp_validate and
// srtp_validate_gcm), whose master key and salt are RFC 3711 Appendix B.3's, so they check the
// key derivation, both packet formats and both SRTCP trailers end to end. The RFCs print no
// full-packet vectors from a master key.
#include "media/srtp_context.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lockline::media {
namespace {

std::vector<std::uint8_t> hex(std::string text) {
  std::erase(text, ' ');
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

const std::string kRtp = "800f1234decafbadcafebabe abababababababababababababababab";
const std::string kRtcp = "81c8000bcafebabe abababababababababababababababab";

struct KnownAnswer {
  SrtpSuite suite;
  std::string master;  // key || salt
  std::string srtp;
  std::string srtcp;
};

const KnownAnswer kAnswers[] = {
    {SrtpSuite::aes_cm_128_hmac_sha1_80,
     "e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6",
     "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb",
     "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798"},
    {SrtpSuite::aes_cm_128_hmac_sha1_32,
     "e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6",
     "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc",
     "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798"},
    {SrtpSuite::aead_aes_128_gcm, "000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab",
     "800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e d2976826f796b201df3131a127e8a392",
     "81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025 c52c6fbea2b3b446ea31123ba88ce61e "
     "80000001"},
};

TEST(SrtpKnownAnswers, ProtectGivesLibsrtpsBytesAndUnprotectReversesThem) {
  for (const auto& answer : kAnswers) {
    SCOPED_TRACE(std::string(srtp_suite_spec(answer.suite).name));
    const auto master = SrtpMasterKey::from_bytes(answer.suite, hex(answer.master));
    ASSERT_TRUE(master);
    SrtpContext sender(*master), receiver(*master);

    auto packet = hex(kRtp);
    packet.resize(packet.size() + SrtpContext::kMaxOverhead);
    const auto sealed = sender.protect_rtp(packet.data(), hex(kRtp).size());
    ASSERT_EQ(sealed.status, SrtpStatus::ok);
    packet.resize(sealed.length);
    EXPECT_EQ(packet, hex(answer.srtp));
    const auto opened = receiver.unprotect_rtp(packet.data(), packet.size());
    ASSERT_EQ(opened.status, SrtpStatus::ok);
    packet.resize(opened.length);
    EXPECT_EQ(packet, hex(kRtp));

    auto report = hex(kRtcp);
    report.resize(report.size() + SrtpContext::kMaxOverhead);
    const auto sealed_report = sender.protect_rtcp(report.data(), hex(kRtcp).size());
    ASSERT_EQ(sealed_report.status, SrtpStatus::ok);
    report.resize(sealed_report.length);
    EXPECT_EQ(report, hex(answer.srtcp));
    const auto opened_report = receiver.unprotect_rtcp(report.data(), report.size());
    ASSERT_EQ(opened_report.status, SrtpStatus::ok);
    report.resize(opened_report.length);
    EXPECT_EQ(report, hex(kRtcp));
  }
}

}  // namespace
}  // namespace lockline::media
