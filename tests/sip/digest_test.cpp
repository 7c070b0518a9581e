#include "sip/digest.hpp"

#include <gtest/gtest.h>

namespace lockline::sip {
namespace {

// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
constexpr std::string_view kUser = "Mufasa";
constexpr std::string_view kRealm = "http-auth@example.org";
constexpr std::string_view kPassword = "Circle of Life";

DigestAnswer rfc7616_answer() {
  return {.method = "GET",
          .uri = "/dir/index.html",
          .nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
          .nc = "00000001",
          .cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
          .qop = "auth"};
}

TEST(Digest, MatchesTheRfc7616Md5Example) {
  const auto ha1 = digest_ha1(DigestAlgorithm::md5, kUser, kRealm, kPassword);
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, rfc7616_answer()),
            "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(Digest, MatchesTheRfc7616Sha256Example) {
  const auto ha1 = digest_ha1(DigestAlgorithm::sha256, kUser, kRealm, kPassword);
  EXPECT_EQ(digest_response(DigestAlgorithm::sha256, ha1, rfc7616_answer()),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(Digest, MatchesTheRfc2617Example) {
  // RFC 2617 §3.5: MD5 with qop=auth, another realm, password and nonce.
  const auto ha1 =
      digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  const DigestAnswer answer{.method = "GET",
                            .uri = "/dir/index.html",
                            .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                            .nc = "00000001",
                            .cnonce = "0a4f113b",
                            .qop = "auth"};
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, answer), "6629fae49393a05397450978507c4ef1");
}

TEST(Digest, ResponseDependsOnEveryInput) {
  const auto ha1 = digest_ha1(DigestAlgorithm::sha256, kUser, kRealm, kPassword);
  const auto expected = digest_response(DigestAlgorithm::sha256, ha1, rfc7616_answer());
  auto changed = rfc7616_answer();
  changed.method = "POST";
  EXPECT_NE(digest_response(DigestAlgorithm::sha256, ha1, changed), expected);
  changed = rfc7616_answer();
  changed.nc = "00000002";
  EXPECT_NE(digest_response(DigestAlgorithm::sha256, ha1, changed), expected);
  changed = rfc7616_answer();
  changed.uri = "/dir/index.htm";
  EXPECT_NE(digest_response(DigestAlgorithm::sha256, ha1, changed), expected);
  EXPECT_NE(digest_response(DigestAlgorithm::sha256,
                            digest_ha1(DigestAlgorithm::sha256, kUser, kRealm, "circle of life"),
                            rfc7616_answer()),
            expected);
}

TEST(Digest, HashesKnownVectorsInLowerCaseHex) {
  EXPECT_EQ(digest_hex(DigestAlgorithm::md5, {}), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digest_hex(DigestAlgorithm::md5, {"abc"}), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digest_hex(DigestAlgorithm::sha256, {"abc"}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The parts are hashed as one concatenation.
  EXPECT_EQ(digest_hex(DigestAlgorithm::sha256, {"a", "", "bc"}),
            digest_hex(DigestAlgorithm::sha256, {"abc"}));
  EXPECT_EQ(digest_ha1(DigestAlgorithm::md5, "u", "r", "p"),
            digest_hex(DigestAlgorithm::md5, {"u:r:p"}));
}

TEST(Digest, ParsesAlgorithmNames) {
  EXPECT_EQ(digest_algorithm("MD5"), DigestAlgorithm::md5);
  EXPECT_EQ(digest_algorithm("md5"), DigestAlgorithm::md5);
  EXPECT_EQ(digest_algorithm(""), DigestAlgorithm::md5);  // RFC 7616 §3.3: absent means MD5
  EXPECT_EQ(digest_algorithm("SHA-256"), DigestAlgorithm::sha256);
  EXPECT_EQ(digest_algorithm("sha-256"), DigestAlgorithm::sha256);
  EXPECT_FALSE(digest_algorithm("SHA-512-256"));
  EXPECT_FALSE(digest_algorithm("MD5-sess"));
  EXPECT_FALSE(digest_algorithm("SHA-256-sess"));
  EXPECT_FALSE(digest_algorithm("SHA256"));
  EXPECT_FALSE(digest_algorithm("MD5 "));
  EXPECT_EQ(digest_algorithm_name(DigestAlgorithm::md5), "MD5");
  EXPECT_EQ(digest_algorithm_name(DigestAlgorithm::sha256), "SHA-256");
}

}  // namespace
}  // namespace lockline::sip
