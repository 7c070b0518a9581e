#include <gtest/gtest.h>

#include <ctime>

#include "tls/certificate_info.hpp"
#include "tls/certificate_validation.hpp"
#include "tls/pem.hpp"
#include "tls/self_signed.hpp"

namespace lockline::tls {

namespace {
ValidationOptions options(const std::string& hostname = "pbx.test") {
  return {hostname, static_cast<std::int64_t>(std::time(nullptr)), {}};
}
}  // namespace

TEST(SelfSigned, CoversHostnameLocalhostAndLoopback) {
  for (auto kind : {KeyKind::ecdsa_p256, KeyKind::rsa_2048}) {
    const auto made = make_self_signed(kind, "pbx.test");
    auto chain = read_certificates(made.chain_pem, "cert");
    ASSERT_TRUE(chain);
    const auto info = describe(chain->front().get());
    EXPECT_EQ(info.subject_alt_names,
              (std::vector<std::string>{"DNS:pbx.test", "DNS:localhost", "IP:127.0.0.1"}));
    EXPECT_TRUE(info.self_signed);
    EXPECT_EQ(info.key_type, kind == KeyKind::ecdsa_p256 ? "ECDSA P-256" : "RSA 2048");
    EXPECT_EQ(info.sha256_fingerprint.size(), 95u);
  }
}

TEST(Validation, SelfSignedIsAcceptedWithAWarning) {
  const auto made = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  auto v = validate_certificate(made.chain_pem, made.key_pem, options());
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->warnings.size(), 1u);
  EXPECT_NE(v->warnings[0].find("self-signed"), std::string::npos);
  EXPECT_EQ(v->key_family, "ecdsa");
}

TEST(Validation, HostnameNotCoveredIsAWarning) {
  const auto made = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  auto v = validate_certificate(made.chain_pem, made.key_pem, options("other.test"));
  ASSERT_TRUE(v);
  ASSERT_EQ(v->warnings.size(), 2u);
  EXPECT_NE(v->warnings[1].find("other.test"), std::string::npos);
}

TEST(Validation, WrongKeyIsRefused) {
  const auto a = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  const auto b = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  auto v = validate_certificate(a.chain_pem, b.key_pem, options());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "key");
  EXPECT_NE(v.error().message.find("does not match"), std::string::npos);
}

TEST(Validation, GarbageAndEmptyInputAreRefusedClearly) {
  const auto a = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  auto empty = validate_certificate("", a.key_pem, options());
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no PEM certificate"), std::string::npos);
  auto garbage = validate_certificate(
      "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n", a.key_pem,
      options());
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().field, "cert");
  auto no_key = validate_certificate(a.chain_pem, a.chain_pem, options());
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("no PEM private key"), std::string::npos);
}

TEST(Validation, OneFileMayHoldChainAndKey) {
  const auto a = make_self_signed(KeyKind::rsa_2048, "pbx.test");
  const std::string both = a.key_pem + a.chain_pem;
  auto v = validate_certificate(both, both, options());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->key_family, "rsa");
}

}  // namespace lockline::tls
