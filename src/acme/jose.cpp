#include "acme/jose.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "core/crypto_random.hpp"
#include "tls/openssl_error.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {

namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string bignum_bytes(const char* name, EVP_PKEY* key) {
  BIGNUM* n = nullptr;
  if (!EVP_PKEY_get_bn_param(key, name, &n))
    throw std::runtime_error("EC key has no " + std::string(name));
  std::string bytes(32, '\0');
  BN_bn2binpad(n, reinterpret_cast<unsigned char*>(bytes.data()), 32);
  BN_free(n);
  return bytes;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = byte(i) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
  } else if (i + 2 == bytes.size()) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
  }
  return out;
}

AccountKey AccountKey::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("ACME account key: " + tls::take_openssl_errors());
  return AccountKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free));
}

Result<AccountKey> AccountKey::from_pem(std::string_view pem) {
  auto key = tls::read_private_key(pem, "account key");
  if (!key) return key.error();
  if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_EC) {
    return make_error("the ACME account key is not an EC key", "account key");
  }
  return AccountKey(std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free));
}

std::string AccountKey::pem() const { return tls::to_pem(key_.get()); }

std::string AccountKey::jwk() const {
  return "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" +
         base64url(bignum_bytes(OSSL_PKEY_PARAM_EC_PUB_X, key_.get())) + "\",\"y\":\"" +
         base64url(bignum_bytes(OSSL_PKEY_PARAM_EC_PUB_Y, key_.get())) + "\"}";
}

std::string AccountKey::thumbprint() const {
  const auto json = jwk();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(json.data(), json.size(), digest, &length, EVP_sha256(), nullptr);
  return base64url({reinterpret_cast<const char*>(digest), length});
}

std::string AccountKey::sign(std::string_view payload, std::string_view url, std::string_view nonce,
                             std::string_view kid) const {
  std::string header = "{\"alg\":\"ES256\",";
  header += kid.empty() ? "\"jwk\":" + jwk() : "\"kid\":" + json_string(kid);
  header += ",\"nonce\":" + json_string(nonce) + ",\"url\":" + json_string(url) + "}";
  const auto protected_b64 = base64url(header);
  const auto payload_b64 = base64url(payload);
  const auto input = protected_b64 + "." + payload_b64;

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t der_length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("JWS signing: " + tls::take_openssl_errors());
  }
  std::string der(der_length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("JWS signing: " + tls::take_openssl_errors());
  }
  // JWS wants R || S, 32 bytes each (RFC 7518 §3.4), not OpenSSL's DER.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length));
  if (!sig) throw std::runtime_error("JWS signature: " + tls::take_openssl_errors());
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return "{\"protected\":\"" + protected_b64 + "\",\"payload\":\"" + payload_b64 +
         "\",\"signature\":\"" + base64url(raw) + "\"}";
}

}  // namespace lockline::acme
