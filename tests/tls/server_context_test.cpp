#include "tls/server_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "tls/self_signed.hpp"

namespace lockline::tls {

namespace {
std::vector<CertificateKeyPair> both_certificates() {
  const auto ecdsa = make_self_signed(KeyKind::ecdsa_p256, "pbx.test");
  const auto rsa = make_self_signed(KeyKind::rsa_2048, "pbx.test");
  return {{ecdsa.chain_pem, ecdsa.key_pem}, {rsa.chain_pem, rsa.key_pem}};
}
}  // namespace

TEST(ServerContext, OnlyTripleDesIsMissingFromThisOpenSsl) {
  EXPECT_EQ(unsupported_ciphers(*policy::find_tls_level("old")),
            std::vector<std::string>{"DES-CBC3-SHA"});
  EXPECT_TRUE(unsupported_ciphers(*policy::find_tls_level("intermediate")).empty());
}

TEST(ServerContext, ProtocolRangeFollowsTheLevel) {
  const auto certificates = both_certificates();
  const std::pair<const char*, std::pair<int, int>> expected[] = {
      {"old", {TLS1_VERSION, TLS1_3_VERSION}},
      {"intermediate", {TLS1_2_VERSION, TLS1_3_VERSION}},
      {"modern", {TLS1_3_VERSION, TLS1_3_VERSION}}};
  for (const auto& [name, range] : expected) {
    auto context = build_server_context(*policy::find_tls_level(name), certificates);
    ASSERT_TRUE(context) << name << ": " << context.error().message;
    SSL_CTX* ctx = (*context)->ssl->native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), range.first) << name;
    EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx), range.second) << name;
    EXPECT_EQ((SSL_CTX_get_options(ctx) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0,
              std::string(name) == "old")
        << name;
  }
}

TEST(ServerContext, ModernServesOnlyEcdsaOldAndIntermediateBoth) {
  const auto certificates = both_certificates();
  auto modern = build_server_context(*policy::find_tls_level("modern"), certificates);
  ASSERT_TRUE(modern);
  EXPECT_EQ((*modern)->served_key_families, std::vector<std::string>{"ecdsa"});
  auto old_level = build_server_context(*policy::find_tls_level("old"), certificates);
  ASSERT_TRUE(old_level);
  EXPECT_EQ((*old_level)->served_key_families, (std::vector<std::string>{"ecdsa", "rsa"}));
}

TEST(ServerContext, OldOffersExactlyMozillasSuitesInOrder) {
  auto context = build_server_context(*policy::find_tls_level("old"), both_certificates());
  ASSERT_TRUE(context);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers((*context)->ssl->native_handle());
  std::vector<std::string> offered;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    offered.emplace_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  }
  std::vector<std::string> expected = policy::find_tls_level("old")->ciphersuites;
  for (const auto& c : policy::find_tls_level("old")->ciphers) {
    if (c != "DES-CBC3-SHA") expected.push_back(c);
  }
  EXPECT_EQ(offered, expected);
}

TEST(ServerContext, NoUsableCertificateIsAnError) {
  auto context = build_server_context(*policy::find_tls_level("old"), {{"junk", "junk"}});
  EXPECT_FALSE(context);
}

}  // namespace lockline::tls
