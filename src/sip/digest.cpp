#include "sip/digest.hpp"

#include <openssl/evp.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>

#include "sip/text.hpp"

namespace lockline::sip {

namespace {

// Fetched once: EVP_md5() and friends would look the implementation up on every use.
const EVP_MD* fetched(DigestAlgorithm algorithm) {
  static const EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = algorithm == DigestAlgorithm::md5 ? md5 : sha256;
  if (md == nullptr) throw std::runtime_error("OpenSSL lacks a digest algorithm");
  return md;
}

struct ContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::optional<DigestAlgorithm> digest_algorithm(std::string_view name) {
  if (name.empty() || iequals(name, "MD5")) return DigestAlgorithm::md5;
  if (iequals(name, "SHA-256")) return DigestAlgorithm::sha256;
  return std::nullopt;
}

std::string_view digest_algorithm_name(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::md5 ? "MD5" : "SHA-256";
}

std::string digest_hex(DigestAlgorithm algorithm, std::initializer_list<std::string_view> parts) {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), fetched(algorithm), nullptr) != 1) {
    throw std::runtime_error("digest init failed");
  }
  for (auto part : parts) EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  EVP_DigestFinal_ex(ctx.get(), hash, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(length * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[hash[i] >> 4];
    hex[2 * i + 1] = kHex[hash[i] & 15];
  }
  return hex;
}

std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
  return digest_hex(algorithm, {username, ":", realm, ":", password});
}

std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1,
                            const DigestAnswer& a) {
  const auto ha2 = digest_hex(algorithm, {a.method, ":", a.uri});
  return digest_hex(algorithm, {ha1, ":", a.nonce, ":", a.nc, ":", a.cnonce, ":", a.qop, ":", ha2});
}

}  // namespace lockline::sip
