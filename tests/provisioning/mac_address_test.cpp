#include "provisioning/mac_address.hpp"

#include <gtest/gtest.h>

namespace lockline::provisioning {
namespace {

TEST(MacAddress, ReadsEveryCommonNotationAsLowercaseHex) {
  for (const char* text : {"00:15:65:AA:BB:CC", "00-15-65-aa-bb-cc", "0015.65aa.bbcc",
                           "001565AABBCC", "00:15:65:aa:bb:cc"}) {
    const auto mac = normalize_mac(text);
    ASSERT_TRUE(mac) << text;
    EXPECT_EQ(*mac, "001565aabbcc") << text;
  }
}

TEST(MacAddress, RefusesWhatIsNoHandsetsAddressNamingTheField) {
  for (const char* text :
       {"", "00:15:65:AA:BB", "00:15:65:AA:BB:CC:DD", "00:15-65:AA:BB:CC", "0:015:65:AA:BB:CC",
        "00155.5aabbcc", "00:15:65:AA:BB:CG", "001565aabbc", "../../etc/passwd",
        "00 15 65 aa bb cc", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"}) {
    const auto mac = normalize_mac(text, "MAC");
    ASSERT_FALSE(mac) << text;
    EXPECT_EQ(mac.error().field, "MAC") << text;
  }
}

TEST(MacAddress, DisplaysWithColons) {
  EXPECT_EQ(display_mac("001565aabbcc"), "00:15:65:aa:bb:cc");
}

}  // namespace
}  // namespace lockline::provisioning
