#include "pbx/handset_quirks.hpp"

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
