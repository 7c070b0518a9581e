#include "policy/tls_levels.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace lockline::policy {

TEST(TlsLevels, LoadedFromMozillaData) {
  ASSERT_EQ(tls_levels().size(), 3u);
  const auto* old_level = find_tls_level("old");
  ASSERT_NE(old_level, nullptr);
  EXPECT_EQ(old_level->tls_versions,
            (std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(old_level->ciphers.size(), 26u);
  EXPECT_EQ(old_level->ciphers.front(), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(old_level->ciphers.back(), "DES-CBC3-SHA");
  EXPECT_TRUE(old_level->server_preferred_order);
  EXPECT_EQ(old_level->dh_param_size, 1024);

  const auto* intermediate = find_tls_level("intermediate");
  ASSERT_NE(intermediate, nullptr);
  EXPECT_EQ(intermediate->tls_versions, (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(intermediate->ciphers.size(), 8u);
  EXPECT_FALSE(intermediate->server_preferred_order);
  EXPECT_EQ(intermediate->hsts_min_age, 63072000);

  const auto* modern = find_tls_level("modern");
  ASSERT_NE(modern, nullptr);
  EXPECT_TRUE(modern->ciphers.empty());
  EXPECT_EQ(modern->ciphersuites.size(), 3u);
  EXPECT_FALSE(modern->dh_param_size.has_value());
  EXPECT_EQ(find_tls_level("strong"), nullptr);
}

TEST(TlsLevels, OrderedByStrength) {
  const auto& levels = tls_levels();
  EXPECT_TRUE(std::is_sorted(levels.begin(), levels.end(),
                             [](const auto& a, const auto& b) { return a.strength < b.strength; }));
  EXPECT_EQ(levels.front().name, "old");
  EXPECT_EQ(levels.back().name, "modern");
}

}  // namespace lockline::policy
