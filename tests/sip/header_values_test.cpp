#include "sip/header_values.hpp"

#include <gtest/gtest.h>

namespace lockline::sip {
namespace {

TEST(HeaderValues, SplitsListsOutsideQuotesAndBrackets) {
  const auto parts = split_list(R"(<sip:a@x;p=1,2>, "Doe, John" <sip:b@y> , sip:c@z)");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "<sip:a@x;p=1,2>");
  EXPECT_EQ(parts[1], R"("Doe, John" <sip:b@y>)");
  EXPECT_EQ(parts[2], "sip:c@z");
}

TEST(HeaderValues, FindsParametersCaseInsensitively) {
  const std::string_view params = ";Branch=z9hG4bK1;rport;received=\"1.2.3.4\"";
  EXPECT_EQ(find_param(params, "branch"), "z9hG4bK1");
  EXPECT_EQ(find_param(params, "RPORT"), "");
  EXPECT_EQ(find_param(params, "received"), "1.2.3.4");
  EXPECT_FALSE(find_param(params, "ttl"));
}

TEST(HeaderValues, ParsesHostPortsIncludingIpv6References) {
  auto v4 = parse_hostport("192.0.2.1:5060");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "192.0.2.1");
  EXPECT_EQ(v4->port, 5060);
  auto v6 = parse_hostport("[2001:db8::1]:5061");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "[2001:db8::1]");
  EXPECT_EQ(v6->port, 5061);
  auto name = parse_hostport("pbx.example.com");
  ASSERT_TRUE(name);
  EXPECT_FALSE(name->port);
  EXPECT_FALSE(parse_hostport("[2001:db8::1"));
  EXPECT_FALSE(parse_hostport("host:99999"));
  EXPECT_FALSE(parse_hostport("host:0"));
  EXPECT_FALSE(parse_hostport("bad host"));
  EXPECT_FALSE(parse_hostport(""));
}

TEST(HeaderValues, ParsesTheTopVia) {
  auto via = parse_via("SIP / 2.0 / UDP 10.0.0.1:5062;rport;branch=z9hG4bKabc, SIP/2.0/TCP x");
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->sent_by.host, "10.0.0.1");
  EXPECT_EQ(via->sent_by.port, 5062);
  EXPECT_EQ(via->branch, "z9hG4bKabc");
  EXPECT_TRUE(via->rport);
  EXPECT_FALSE(parse_via("SIP/2.0 10.0.0.1"));
}

TEST(HeaderValues, ParsesSipUrisWithEscapesAndParams) {
  auto uri = parse_sip_uri("sip:1001@pbx.test");
  ASSERT_TRUE(uri) << uri.error().message;
  EXPECT_EQ(uri->user, "1001");
  EXPECT_EQ(uri->host.host, "pbx.test");
  auto escaped = parse_sip_uri("sips:%61lice:secret@[2001:db8::2]:5061;transport=tls?subject=x");
  ASSERT_TRUE(escaped) << escaped.error().message;
  EXPECT_TRUE(escaped->secure);
  EXPECT_EQ(escaped->user, "alice");
  EXPECT_EQ(escaped->host.host, "[2001:db8::2]");
  EXPECT_EQ(escaped->host.port, 5061);
  EXPECT_EQ(escaped->params, ";transport=tls");
  EXPECT_EQ(escaped->headers, "?subject=x");
  EXPECT_FALSE(parse_sip_uri("tel:+15551234"));
  EXPECT_FALSE(parse_sip_uri("sip:%6@x"));
  EXPECT_FALSE(parse_sip_uri("sip:@x"));
}

TEST(HeaderValues, ParsesNameAddrAndAddrSpec) {
  auto quoted = parse_name_addr(R"("A \"B\"" <sip:1001@pbx.test;transport=tcp>;tag=9;expires=60)");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->display, "A \"B\"");
  EXPECT_EQ(quoted->uri, "sip:1001@pbx.test;transport=tcp");
  EXPECT_EQ(find_param(quoted->params, "expires"), "60");
  auto bare = parse_name_addr("sip:1001@pbx.test;tag=1");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->uri, "sip:1001@pbx.test");
  EXPECT_EQ(bare->params, ";tag=1");
  auto star = parse_name_addr(" * ");
  ASSERT_TRUE(star);
  EXPECT_TRUE(star->star);
  EXPECT_FALSE(parse_name_addr("<sip:1001@pbx.test"));
}

TEST(HeaderValues, ParsesDigestCredentials) {
  auto c = parse_digest_credentials(
      R"(Digest username="1001", realm="pbx.test", nonce="abc", uri="sip:pbx.test", )"
      R"(response="0123", algorithm=SHA-256, cnonce="c", qop=auth, nc=00000001, opaque="o")");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->username, "1001");
  EXPECT_EQ(c->algorithm, "SHA-256");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_FALSE(parse_digest_credentials("Basic dXNlcjpwdw=="));
  EXPECT_FALSE(parse_digest_credentials(R"(Digest username="a", username="b")"));
  EXPECT_FALSE(parse_digest_credentials(R"(Digest username="a")"));
}

}  // namespace
}  // namespace lockline::sip
