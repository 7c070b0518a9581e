#include <gtest/gtest.h>

#include "policy/platform.hpp"
#include "policy/settings_catalog.hpp"
#include "policy/settings_snapshot.hpp"

namespace lockline::policy {

TEST(Settings, DefaultsMatchTheContract) {
  const SettingsSnapshot s(Platform::appliance, {});
  EXPECT_EQ(s.get("web.force_https"), "false");
  EXPECT_EQ(s.get("web.hsts"), "false");
  EXPECT_EQ(s.get_int("web.hsts_max_age"), 63072000);
  EXPECT_EQ(s.get("web.hsts_include_subdomains"), "false");
  EXPECT_EQ(s.get("tls.level"), "old");
}

TEST(Settings, NormalizesValidValues) {
  EXPECT_EQ(*normalize_setting("web.hsts", "on"), "true");
  EXPECT_EQ(*normalize_setting("web.hsts", "0"), "false");
  EXPECT_EQ(*normalize_setting("web.hsts_max_age", "300"), "300");
  EXPECT_EQ(*normalize_setting("tls.level", "modern"), "modern");
}

TEST(Settings, RefusesUnknownKeysAndIllTypedValuesNamingThem) {
  auto unknown = normalize_setting("web.colour", "blue");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "web.colour");
  EXPECT_NE(unknown.error().message.find("unknown setting"), std::string::npos);
  for (auto [key, value] : {std::pair{"web.hsts", "maybe"},
                            {"web.hsts_max_age", "12x"},
                            {"web.hsts_max_age", "-1"},
                            {"web.hsts_max_age", ""},
                            {"web.hsts_max_age", "99999999999999999999"},
                            {"tls.level", "ancient"}}) {
    auto r = normalize_setting(key, value);
    ASSERT_FALSE(r) << key << "=" << value;
    EXPECT_EQ(r.error().field, key);
    EXPECT_NE(r.error().message.find(key), std::string::npos);
  }
}

TEST(Platform, HostedRaisesWeakValuesToTheFloor) {
  const std::map<std::string, std::string> stored = {
      {"web.force_https", "false"}, {"web.hsts", "false"}, {"tls.level", "old"}};
  const SettingsSnapshot hosted(Platform::hosted, stored);
  EXPECT_TRUE(hosted.get_bool("web.force_https"));
  EXPECT_TRUE(hosted.get_bool("web.hsts"));
  EXPECT_EQ(hosted.get("tls.level"), "intermediate");
  const SettingsSnapshot stronger(Platform::hosted, {{"tls.level", "modern"}});
  EXPECT_EQ(stronger.get("tls.level"), "modern");
  const SettingsSnapshot appliance(Platform::appliance, stored);
  EXPECT_FALSE(appliance.get_bool("web.force_https"));
  EXPECT_EQ(appliance.get("tls.level"), "old");
}

TEST(Platform, HostedRefusesWeakeningWithConflict) {
  const auto* level = find_setting("tls.level");
  auto refused = check_enforcement(Platform::hosted, *level, "old");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::conflict);
  EXPECT_NE(refused.error().message.find("hosted platform enforces"), std::string::npos);
  EXPECT_TRUE(check_enforcement(Platform::hosted, *level, "modern"));
  EXPECT_TRUE(check_enforcement(Platform::appliance, *level, "old"));
  EXPECT_FALSE(check_enforcement(Platform::hosted, *find_setting("web.hsts"), "false"));
  EXPECT_TRUE(check_enforcement(Platform::hosted, *find_setting("web.hsts"), "true"));
  EXPECT_TRUE(
      check_enforcement(Platform::hosted, *find_setting("web.hsts_include_subdomains"), "false"));
}

TEST(Platform, EveryFloorNamesARealSettingWithAValidValue) {
  for (const auto& floor : hosted_floors()) {
    ASSERT_NE(find_setting(floor.key), nullptr) << floor.key;
    EXPECT_TRUE(normalize_setting(floor.key, floor.minimum)) << floor.key;
  }
}

}  // namespace lockline::policy
