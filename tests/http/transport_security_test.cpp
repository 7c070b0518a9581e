#include "http/transport_security.hpp"

#include "http/cookie.hpp"

#include <gtest/gtest.h>

namespace lockline::http {

namespace {
Request get(const std::string& target, const std::string& host) {
  Request request{Verb::get, target, 11};
  if (!host.empty()) request.set(beast_http::field::host, host);
  return request;
}
WebPolicy forcing(std::uint16_t port = 8443) {
  WebPolicy p;
  p.force_https = true;
  p.https_port = port;
  p.default_host = "pbx.test";
  return p;
}
}  // namespace

TEST(ForceHttps, RedirectsToSameHostPathAndQuery) {
  auto r = https_redirect(forcing(), get("/a/b?x=1&y=2", "example.org:8080"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result(), Status::moved_permanently);
  EXPECT_EQ((*r)[beast_http::field::location], "https://example.org:8443/a/b?x=1&y=2");
}

TEST(ForceHttps, KeepsIpv6LiteralsAndOmitsPort443) {
  auto r = https_redirect(forcing(443), get("/", "[::1]:80"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[beast_http::field::location], "https://[::1]/");
}

TEST(ForceHttps, BadOrMissingHostFallsBackToConfiguredName) {
  for (const char* host : {"", "evil.example/x", "a b", "[::1", "x\"y"}) {
    auto r = https_redirect(forcing(), get("/p", host));
    ASSERT_TRUE(r) << host;
    EXPECT_EQ((*r)[beast_http::field::location], "https://pbx.test:8443/p") << host;
  }
}

TEST(ForceHttps, AcmeChallengeStaysOnHttp) {
  EXPECT_FALSE(https_redirect(forcing(), get("/.well-known/acme-challenge/abc", "pbx.test")));
  EXPECT_TRUE(https_redirect(forcing(), get("/.well-known/other", "pbx.test")));
}

TEST(ForceHttps, ProvisioningFollowsItsOwnSetting) {
  EXPECT_FALSE(https_redirect(forcing(), get("/provisioning/001565aabbcc.cfg", "pbx.test")));
  EXPECT_TRUE(https_redirect(forcing(), get("/provisioning", "pbx.test")));
  EXPECT_TRUE(https_redirect(forcing(), get("/api/v1/provisioning/x", "pbx.test")));
}

TEST(ForceHttps, OffMeansNoRedirect) {
  EXPECT_FALSE(https_redirect(WebPolicy{}, get("/", "pbx.test")));
}

TEST(Hsts, HeaderFollowsSettings) {
  Response response;
  WebPolicy policy;
  add_hsts(policy, response);
  EXPECT_EQ(response.count(beast_http::field::strict_transport_security), 0u);
  policy.hsts = true;
  add_hsts(policy, response);
  EXPECT_EQ(response[beast_http::field::strict_transport_security], "max-age=63072000");
  policy.hsts_include_subdomains = true;
  policy.hsts_max_age = 300;
  add_hsts(policy, response);
  EXPECT_EQ(response[beast_http::field::strict_transport_security],
            "max-age=300; includeSubDomains");
}

TEST(Cookies, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("a=1; lockline_session=xyz; b=2", "lockline_session"), "xyz");
  EXPECT_EQ(cookie_value("lockline_sessionx=1", "lockline_session"), "");
  EXPECT_EQ(cookie_value("", "lockline_session"), "");
  EXPECT_EQ(cookie_value(";;=;", "lockline_session"), "");
}

}  // namespace lockline::http
