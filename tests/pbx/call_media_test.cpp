#include "pbx/call_media.hpp"

#include <gtest/gtest.h>

#include "media/sdp.hpp"

namespace lockline::pbx {
namespace {

const char* const kOffer =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "m=audio 4000 RTP/SAVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
    "a=ptime:20\r\na=sendonly\r\na=rtcp-mux\r\na=rtcp:4001\r\na=ssrc:1 cname:x\r\n"
    "a=candidate:1 1 UDP 1 192.0.2.10 4000 typ host\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n";

TEST(CallMedia, ReadsTheFirstAudioSectionAndKeepsOnlyCodecAndDirectionLines) {
  const auto media = read_phone_media(kOffer);
  ASSERT_TRUE(media) << media.error().message;
  EXPECT_EQ(media->address.to_string(), "192.0.2.10:4000");
  EXPECT_TRUE(media->srtp);
  ASSERT_TRUE(media->crypto);
  EXPECT_EQ(media->crypto->tag, 1u);
  EXPECT_TRUE(media->rtcp_mux);
  EXPECT_EQ(media->formats, (std::vector<std::string>{"0", "101"}));
  EXPECT_EQ(media->attributes,
            (std::vector<std::string>{"rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000",
                                      "fmtp:101 0-15", "ptime:20", "sendonly"}));
}

TEST(CallMedia, RefusesWhatTheRelayCannotCarry) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n";
  EXPECT_FALSE(read_phone_media(head + "m=video 4000 RTP/AVP 96\r\n"));          // no audio
  EXPECT_FALSE(read_phone_media(head + "m=audio 0 RTP/AVP 0\r\n"));              // rejected audio
  EXPECT_FALSE(read_phone_media(head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"));  // DTLS-SRTP
  EXPECT_FALSE(read_phone_media(head + "m=audio 4000 RTP/SAVP 0\r\n"));  // SRTP without a key
  EXPECT_FALSE(read_phone_media(
      "v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nc=IN IP4 pbx.example.com\r\nm=audio 4000 RTP/AVP 0\r\n"));
  const auto error = read_phone_media(head + "m=audio 4000 RTP/SAVP 0\r\n");
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("SRTP"), std::string::npos);
}

TEST(CallMedia, WritesALegsSdpWithItsOwnKeyOnly) {
  const auto phone = read_phone_media(kOffer);
  ASSERT_TRUE(phone);
  const auto key = media::SrtpMasterKey::random(media::SrtpSuite::aes_cm_128_hmac_sha1_80);
  const auto sdp = media::parse_sdp(lockline_sdp("198.51.100.1", 20002, *phone, key, 1, true, 7));
  ASSERT_TRUE(sdp);
  ASSERT_EQ(sdp->media.size(), 1u);
  const auto& audio = sdp->media[0];
  EXPECT_EQ(sdp->address_of(audio)->address, "198.51.100.1");
  EXPECT_EQ(audio.port, 20002);
  EXPECT_EQ(audio.protocol, "RTP/SAVP");
  ASSERT_EQ(audio.crypto.size(), 1u);
  EXPECT_TRUE(
      std::equal(key.bytes().begin(), key.bytes().end(), audio.crypto[0].key.bytes().begin()));
  EXPECT_TRUE(audio.has_attribute("rtcp-mux"));
  EXPECT_FALSE(audio.has_attribute("candidate"));
  EXPECT_FALSE(audio.has_attribute("ssrc"));

  const auto plain = lockline_sdp("198.51.100.1", 20002, *phone, std::nullopt, 1, false, 7);
  EXPECT_NE(plain.find("m=audio 20002 RTP/AVP 0 101\r\n"), std::string::npos);
  EXPECT_EQ(plain.find("a=crypto"), std::string::npos);
  EXPECT_EQ(plain.find("rtcp-mux"), std::string::npos);
}

TEST(CallMedia, SendsMediaOnlyWhereAPhoneCanBe) {
  const auto at = [](const char* ip) { return *media::SocketAddress::from(ip, 4000); };
  EXPECT_TRUE(media_address_allowed(at("192.0.2.10"), false));
  EXPECT_TRUE(media_address_allowed(at("10.1.2.3"), false));  // a phone behind NAT says so
  EXPECT_TRUE(media_address_allowed(at("2001:db8::5"), false));
  for (const char* refused : {"0.0.0.0", "224.0.0.1", "239.1.2.3", "255.255.255.255", "169.254.1.1",
                              "::", "ff02::1", "fe80::1"}) {
    EXPECT_FALSE(media_address_allowed(at(refused), true)) << refused;
  }
  EXPECT_FALSE(media_address_allowed(at("127.0.0.1"), false));  // aimed at the PBX itself
  EXPECT_FALSE(media_address_allowed(at("::1"), false));
  EXPECT_TRUE(media_address_allowed(at("127.0.0.1"), true));  // a phone on this machine
}

TEST(CallMedia, AnswersWithAsManyMediaLinesAsTheOfferHad) {
  const auto offer = read_phone_media(kOffer);  // video (port 0), then audio
  ASSERT_TRUE(offer);
  ASSERT_EQ(offer->sections.size(), 2u);
  EXPECT_EQ(offer->audio, 1u);
  const auto answer = media::parse_sdp(
      lockline_sdp("198.51.100.1", 20002, *offer, std::nullopt, 1, false, 7, &*offer));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->media.size(), 2u);
  EXPECT_EQ(answer->media[0].kind, "video");
  EXPECT_EQ(answer->media[0].port, 0);
  EXPECT_EQ(answer->media[1].kind, "audio");
  EXPECT_EQ(answer->media[1].port, 20002);
}

}  // namespace
}  // namespace lockline::pbx
