#include "tls/self_signed.hpp"

#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "tls/openssl_error.hpp"
#include "tls/openssl_types.hpp"
#include "tls/pem.hpp"

namespace lockline::tls {

namespace {

void add_extension(X509* x, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (!extension) throw std::runtime_error("certificate extension: " + take_openssl_errors());
  X509_add_ext(x, extension, -1);
  X509_EXTENSION_free(extension);
}

}  // namespace

GeneratedCertificate make_self_signed(KeyKind kind, const std::string& hostname) {
  KeyPtr key(kind == KeyKind::ecdsa_p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
  if (!key) throw std::runtime_error("key generation: " + take_openssl_errors());

  X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600);
  X509_set_pubkey(x.get(), key.get());

  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Lockline self-signed"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);

  std::string alt_names = "DNS:localhost,IP:127.0.0.1";
  if (hostname != "localhost" && hostname != "127.0.0.1")
    alt_names = "DNS:" + hostname + "," + alt_names;
  add_extension(x.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(x.get(), NID_key_usage,
                kind == KeyKind::rsa_2048 ? "critical,digitalSignature,keyEncipherment"
                                          : "critical,digitalSignature");
  add_extension(x.get(), NID_ext_key_usage, "serverAuth");
  add_extension(x.get(), NID_subject_key_identifier, "hash");
  add_extension(x.get(), NID_subject_alt_name, alt_names);

  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("certificate signing: " + take_openssl_errors());
  }
  Chain chain;
  chain.push_back(std::move(x));
  return {to_pem(chain), to_pem(key.get())};
}

}  // namespace lockline::tls
