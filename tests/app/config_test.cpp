#include "app/config.hpp"

#include <gtest/gtest.h>

namespace lockline::app {

TEST(Config, RenderedDefaultsParseBack) {
  Config config = default_config();
  config.hostname = "pbx.example.com";
  auto parsed = parse_config(render_config(config), "/etc/lockline/lockline.toml");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->hostname, "pbx.example.com");
  EXPECT_EQ(parsed->platform, policy::Platform::appliance);
  EXPECT_EQ(parsed->data_dir, "/etc/lockline/var");
  EXPECT_EQ(parsed->https.port, 8443);
  EXPECT_EQ(parsed->sip_tls.port, 5061);
}

TEST(Config, ErrorsNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"platform = \"cloud\"\n", "platform"},
      {"hostnam = \"x\"\n", "hostnam"},
      {"[listen]\nhttp = \"nope\"\n", "listen.http"},
      {"[listen]\nhttps = 8443\n", "listen.https"},
      {"[listen]\nftp = \"0.0.0.0:21\"\n", "listen.ftp"},
      {"hostname = \"bad host!\"\n", "hostname"},
      {"platform = \n", "config"},
  };
  for (const auto& [text, field] : cases) {
    auto parsed = parse_config(text, "/tmp/lockline.toml");
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().field, field) << text;
  }
}

TEST(Config, HostedPlatformIsRead) {
  auto parsed = parse_config("platform = \"hosted\"\n", "/tmp/lockline.toml");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->platform, policy::Platform::hosted);
}

}  // namespace lockline::app
