#include "pbx/handset_quirks.hpp"
#include "pbx/manufacturer.hpp"
#include "pbx/sip_policy.hpp"

#include <gtest/gtest.h>

namespace lockline::pbx {
namespace {

TEST(HandsetQuirks, BaresipIsChallengedWithMd5Alone) {
  EXPECT_TRUE(knows_only_md5_digest("baresip v1.0.0 (x86_64/linux)"));
  EXPECT_TRUE(knows_only_md5_digest("Baresip"));
}

TEST(HandsetQuirks, OtherAgentsGetTheRfcOrder) {
  EXPECT_FALSE(knows_only_md5_digest(""));
  EXPECT_FALSE(knows_only_md5_digest("bare"));
  EXPECT_FALSE(knows_only_md5_digest("Linphone/5.1.65 (belle-sip/5.1.0)"));
  EXPECT_FALSE(knows_only_md5_digest("Yealink SIP-T46S 66.86.0.15"));
  EXPECT_FALSE(knows_only_md5_digest("not baresip"));
}

}  // namespace
}  // namespace lockline::pbx

namespace lockline::pbx {
namespace {

TEST(Manufacturer, IsKnownByTheUserAgentsHandsetsSend) {
  EXPECT_EQ(manufacturer_from_user_agent("Yealink SIP-T54W 96.86.0.100"), Manufacturer::yealink);
  EXPECT_EQ(manufacturer_from_user_agent("PolycomVVX-VVX_450-UA/6.4.3.5018"), Manufacturer::poly);
  EXPECT_EQ(manufacturer_from_user_agent("Poly/CCX600 8.1.2"), Manufacturer::poly);
  EXPECT_EQ(manufacturer_from_user_agent("snomD785/10.1.159.12"), Manufacturer::snom);
  EXPECT_EQ(manufacturer_from_user_agent("Grandstream GXP2170 1.0.11.3"),
            Manufacturer::grandstream);
  EXPECT_EQ(manufacturer_from_user_agent("Cisco/SPA504G-7.6.2"), Manufacturer::cisco);
  EXPECT_FALSE(manufacturer_from_user_agent("baresip v1.0.0 (x86_64/linux)"));
  EXPECT_FALSE(manufacturer_from_user_agent(""));
  EXPECT_FALSE(manufacturer_from_user_agent("MyYealinkClone 1.0"));  // prefix only

  SipPolicy policy;
  EXPECT_FALSE(policy.requires_tls_srtp("Yealink SIP-T54W"));
  policy.tls_srtp[static_cast<std::size_t>(Manufacturer::yealink)] = true;
  EXPECT_EQ(policy.requires_tls_srtp("Yealink SIP-T54W"), Manufacturer::yealink);
  EXPECT_FALSE(policy.requires_tls_srtp("snomD785/10.1"));
}

}  // namespace
}  // namespace lockline::pbx
