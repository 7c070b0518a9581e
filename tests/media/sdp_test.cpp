#include "media/sdp.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace lockline::media {
namespace {

// What baresip 1.0.0 offers over TLS with mediaenc=srtp-mand (docs: INTEROP.md).
const char* const kBaresipOffer =
    "v=0\r\n"
    "o=- 1947 2219 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 10004 RTP/SAVP 0 8 101\r\n"
    "b=AS:87\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=rtcp-rsize\r\n"
    "a=ssrc:1553134046 cname:sip:1001@pbx.test\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n";

TEST(Sdp, ReadsAPhonesOffer) {
  const auto sdp = parse_sdp(kBaresipOffer);
  ASSERT_TRUE(sdp) << sdp.error().message;
  EXPECT_EQ(sdp->origin, "- 1947 2219 IN IP4 127.0.0.1");
  ASSERT_EQ(sdp->media.size(), 1u);
  const auto& audio = sdp->media[0];
  EXPECT_EQ(audio.kind, "audio");
  EXPECT_EQ(audio.port, 10004);
  EXPECT_EQ(audio.protocol, "RTP/SAVP");
  EXPECT_TRUE(audio.secure_profile());
  EXPECT_EQ(audio.formats, (std::vector<std::string>{"0", "8", "101"}));
  ASSERT_NE(sdp->address_of(audio), nullptr);
  EXPECT_EQ(sdp->address_of(audio)->address, "127.0.0.1");
  ASSERT_EQ(audio.crypto.size(), 1u);
  EXPECT_EQ(audio.crypto[0].tag, 1u);
  EXPECT_EQ(audio.crypto[0].key.suite(), SrtpSuite::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(audio.crypto[0].key.bytes()[0], 'A');
  EXPECT_TRUE(audio.has_attribute("rtpmap"));
  EXPECT_TRUE(audio.has_attribute("sendrecv"));
  EXPECT_FALSE(audio.has_attribute("rtcp"));  // only "rtcp-rsize"
  EXPECT_FALSE(audio.has_attribute("rtcp-mux"));
  EXPECT_EQ(std::count_if(audio.attributes.begin(), audio.attributes.end(),
                          [](const std::string& a) { return a.starts_with("crypto"); }),
            0);
}

TEST(Sdp, WritesWhatItReadsInRfcOrder) {
  const auto sdp = parse_sdp(kBaresipOffer);
  ASSERT_TRUE(sdp);
  const auto text = write_sdp(*sdp);
  EXPECT_EQ(text.find("v=0\r\no="), 0u);
  EXPECT_LT(text.find("m=audio 10004 RTP/SAVP 0 8 101\r\nb=AS:87\r\n"), text.size());
  EXPECT_LT(text.find("c=IN IP4 127.0.0.1\r\nt=0 0\r\n"), text.size());
  EXPECT_LT(text.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                      "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n"),
            text.size());
  const auto again = parse_sdp(text);
  ASSERT_TRUE(again);
  EXPECT_EQ(write_sdp(*again), text);
}

TEST(Sdp, KeepsUsableKeysAndCountsTheOthers) {
  // linphone offers four suites; Lockline knows two of them.
  const auto sdp = parse_sdp(
      "v=0\no=x 1 1 IN IP4 10.0.0.1\ns=x\nt=0 0\n"
      "m=audio 7078 RTP/SAVP 0\nc=IN IP4 10.0.0.2\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\n"
      "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\n"
      "a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\n"
      "a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:QUJD\n");
  ASSERT_TRUE(sdp) << sdp.error().message;
  const auto& audio = sdp->media[0];
  ASSERT_EQ(audio.crypto.size(), 2u);
  EXPECT_EQ(audio.crypto[1].tag, 2u);
  EXPECT_EQ(audio.refused_crypto, 2u);
  EXPECT_EQ(sdp->address_of(audio)->address, "10.0.0.2");
}

TEST(Sdp, RefusesWhatIsNotASessionDescription) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n";
  for (const std::string& bad : {
           std::string(""),
           std::string("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n"),
           std::string("v=1\r\n"),
           std::string("v=0\r\ns=-\r\n"),
           head + "c=IN IP4 224.2.1.1/127\r\n",
           head + "c=IN IPX 1.2.3.4\r\n",
           head + "m=audio 70000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n",
           head + "m=audio x RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\n",
           head + "m=audio 4000 RTP/AVP\r\n",
           head + "m=audio 4000 RTP/AVP 0\r\n",
           head + "garbage\r\n",
           head + "v=0\r\n",
           head + std::string(kMaxSdpBytes, 'a'),
       }) {
    EXPECT_FALSE(parse_sdp(bad)) << bad;
  }
  std::string many = head + "c=IN IP4 1.2.3.4\r\n";
  for (int i = 0; i < 9; ++i) many += "m=audio 4000 RTP/AVP 0\r\n";
  EXPECT_FALSE(parse_sdp(many));
  std::string attributes = head + "c=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n";
  for (int i = 0; i < 65; ++i) attributes += "a=x\r\n";
  const auto error = parse_sdp(attributes);
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().field, "body");
  EXPECT_NE(error.error().message.find("64 attributes"), std::string::npos);
}

TEST(Sdes, ReadsRfc4568KeysAndRefusesWhatItCannotHonour) {
  const std::string key = "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk";
  const auto plain = parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key);
  ASSERT_TRUE(plain.crypto);
  EXPECT_EQ(parse_sdes("7 AES_CM_128_HMAC_SHA1_32 " + key + "|2^31").crypto->tag, 7u);
  EXPECT_TRUE(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key + "|1048576").crypto);
  // Unpadded base64 from phones that drop the padding (GCM keys are 28 bytes: "==").
  EXPECT_TRUE(
      parse_sdes("1 AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYg").crypto);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key + "|2^20|1:4").refusal,
            SdesRefusal::unsupported_parameter);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key + " KDR=1").refusal,
            SdesRefusal::unsupported_parameter);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key + ";" + key).refusal,
            SdesRefusal::unsupported_parameter);
  EXPECT_EQ(parse_sdes("1 F8_128_HMAC_SHA1_80 " + key).refusal, SdesRefusal::unknown_suite);
  EXPECT_EQ(parse_sdes("1 AEAD_AES_128_GCM " + key).refusal, SdesRefusal::bad_key);  // 30 bytes
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 inline:!!!!").refusal, SdesRefusal::bad_key);
  EXPECT_EQ(parse_sdes("x AES_CM_128_HMAC_SHA1_80 " + key).refusal, SdesRefusal::malformed);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80").refusal, SdesRefusal::malformed);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 outline:abc").refusal, SdesRefusal::malformed);
  EXPECT_EQ(parse_sdes("1 AES_CM_128_HMAC_SHA1_80 " + key + "|soon").refusal,
            SdesRefusal::malformed);
}

TEST(Sdes, WritesKeysThatReadBack) {
  for (const auto& spec : srtp_suites()) {
    const auto key = SrtpMasterKey::random(spec.suite);
    const auto text = format_sdes(3, key);
    const auto parsed = parse_sdes(text);
    ASSERT_TRUE(parsed.crypto) << text;
    EXPECT_EQ(parsed.crypto->tag, 3u);
    EXPECT_TRUE(std::equal(key.bytes().begin(), key.bytes().end(),
                           parsed.crypto->key.bytes().begin(), parsed.crypto->key.bytes().end()));
  }
}

}  // namespace
}  // namespace lockline::media
