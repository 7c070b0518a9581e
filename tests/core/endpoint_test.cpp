#include "core/endpoint.hpp"

#include <gtest/gtest.h>

namespace lockline {

TEST(Endpoint, ParsesIpv4Ipv6AndWildcard) {
  auto a = parse_endpoint("127.0.0.1:8080", "listen.http");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_endpoint("[::1]:443", "listen.https");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->to_string(), "[::1]:443");
  auto c = parse_endpoint(":80", "listen.http");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "0.0.0.0");
}

TEST(Endpoint, RefusesBadInputNamingTheField) {
  for (const char* bad :
       {"8080", "127.0.0.1:", "127.0.0.1:99999", "host.example:80", "127.0.0.1:80x", "[::1:80"}) {
    auto e = parse_endpoint(bad, "listen.http");
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().field, "listen.http");
  }
}

}  // namespace lockline
