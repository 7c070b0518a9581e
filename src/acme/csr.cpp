#include "acme/csr.hpp"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "tls/openssl_error.hpp"
#include "tls/openssl_types.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {

SigningRequest make_signing_request(KeyType type, const std::vector<std::string>& domains) {
  tls::KeyPtr key(type == KeyType::ecdsa_p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
  if (!key) throw std::runtime_error("key generation: " + tls::take_openssl_errors());
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), X509_REQ_free);
  X509_REQ_set_version(request.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(request.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(domains.front().c_str()), -1,
                             -1, 0);
  std::string names;
  for (const auto& domain : domains) names += (names.empty() ? "DNS:" : ",DNS:") + domain;
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, names.c_str());
  if (!san) throw std::runtime_error("subjectAltName: " + tls::take_openssl_errors());
  sk_X509_EXTENSION_push(extensions, san);
  X509_REQ_add_extensions(request.get(), extensions);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  X509_REQ_set_pubkey(request.get(), key.get());
  if (X509_REQ_sign(request.get(), key.get(), EVP_sha256()) <= 0) {
    throw std::runtime_error("signing the request: " + tls::take_openssl_errors());
  }
  const int length = i2d_X509_REQ(request.get(), nullptr);
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(request.get(), &out);
  return {tls::to_pem(key.get()), std::move(der)};
}

}  // namespace lockline::acme
