#include "acme/jose.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>

#include "acme/csr.hpp"
#include "acme/web_client.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {
namespace {

namespace json = boost::json;

std::string unbase64url(std::string text) {
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4) text += '=';
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n) - (text.size() - text.find_last_not_of('=') - 1));
  return out;
}

TEST(Jose, Base64UrlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

TEST(Jose, ASignedRequestVerifiesWithTheKeyOfItsJwk) {
  const auto key = AccountKey::generate();
  const auto jws = json::parse(key.sign("{\"a\":1}", "https://acme.test/new-order", "n0nce", ""));
  const auto& o = jws.as_object();
  const std::string protected_b64(o.at("protected").as_string());
  const std::string payload_b64(o.at("payload").as_string());
  const auto header = json::parse(unbase64url(protected_b64)).as_object();
  EXPECT_EQ(header.at("alg").as_string(), "ES256");
  EXPECT_EQ(header.at("nonce").as_string(), "n0nce");
  EXPECT_EQ(header.at("url").as_string(), "https://acme.test/new-order");
  EXPECT_EQ(unbase64url(payload_b64), "{\"a\":1}");
  ASSERT_TRUE(header.contains("jwk"));
  EXPECT_FALSE(header.contains("kid"));

  // R || S back to DER, checked against the key (from its PEM) with OpenSSL.
  const auto raw = unbase64url(std::string(o.at("signature").as_string()));
  ASSERT_EQ(raw.size(), 64u);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  auto pkey = tls::read_private_key(key.pem(), "key");
  ASSERT_TRUE(pkey);
  const std::string input = protected_b64 + "." + payload_b64;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey->get()), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
}

TEST(Jose, AnAccountUrlReplacesTheJwkAndTheKeySurvivesItsPem) {
  const auto key = AccountKey::generate();
  const auto again = AccountKey::from_pem(key.pem());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->jwk(), key.jwk());
  EXPECT_EQ(again->thumbprint(), key.thumbprint());
  EXPECT_EQ(key.thumbprint().size(), 43u);  // SHA-256, base64url without padding
  const auto jws = json::parse(key.sign("", "https://a.test/x", "n", "https://a.test/acct/1"));
  const auto header =
      json::parse(unbase64url(std::string(jws.as_object().at("protected").as_string())));
  EXPECT_EQ(header.as_object().at("kid").as_string(), "https://a.test/acct/1");
  EXPECT_FALSE(header.as_object().contains("jwk"));
  EXPECT_EQ(jws.as_object().at("payload").as_string(), "");  // POST-as-GET
}

TEST(Jose, AQuoteInAUrlCannotBreakTheProtectedHeader) {
  const auto key = AccountKey::generate();
  const auto jws = json::parse(key.sign("", "https://a.test/\"x\\\"", "n\"", "k\""));
  const auto header =
      json::parse(unbase64url(std::string(jws.as_object().at("protected").as_string())));
  EXPECT_EQ(header.as_object().at("url").as_string(), "https://a.test/\"x\\\"");
  EXPECT_EQ(header.as_object().at("kid").as_string(), "k\"");
}

TEST(Csr, NamesEveryDomainAndIsSignedByItsKey) {
  const auto request = make_signing_request(KeyType::ecdsa_p256, {"pbx.test", "www.pbx.test"});
  const auto* p = reinterpret_cast<const unsigned char*>(request.der.data());
  X509_REQ* csr = d2i_X509_REQ(nullptr, &p, static_cast<long>(request.der.size()));
  ASSERT_NE(csr, nullptr);
  EXPECT_EQ(X509_REQ_verify(csr, X509_REQ_get0_pubkey(csr)), 1);
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(csr);
  ASSERT_NE(extensions, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  X509V3_EXT_print(out, sk_X509_EXTENSION_value(extensions, 0), 0, 0);
  char* text = nullptr;
  const long length = BIO_get_mem_data(out, &text);
  EXPECT_EQ(std::string(text, static_cast<std::size_t>(length)), "DNS:pbx.test, DNS:www.pbx.test");
  BIO_free(out);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  auto key = tls::read_private_key(request.key_pem, "key");
  ASSERT_TRUE(key);
  EXPECT_EQ(EVP_PKEY_eq(key->get(), X509_REQ_get0_pubkey(csr)), 1);
  X509_REQ_free(csr);
  const auto rsa = make_signing_request(KeyType::rsa2048, {"pbx.test"});
  auto rsa_key = tls::read_private_key(rsa.key_pem, "key");
  ASSERT_TRUE(rsa_key);
  EXPECT_EQ(EVP_PKEY_get_bits(rsa_key->get()), 2048);
}

TEST(Url, SplitsSchemeHostPortAndTarget) {
  const auto a = parse_url("https://127.0.0.1:14000/dir");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "14000");
  EXPECT_EQ(a->target, "/dir");
  const auto b = parse_url("https://acme-v02.api.letsencrypt.org/directory");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, "443");
  const auto c = parse_url("http://[::1]:8080");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, "8080");
  EXPECT_EQ(c->target, "/");
  for (const char* bad : {"", "ftp://x/", "https://", "https://user@host/", "https://[::1/",
                          "https://host:/x", "//host/x"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace lockline::acme
