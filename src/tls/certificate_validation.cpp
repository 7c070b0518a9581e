#include "tls/certificate_validation.hpp"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

#include "tls/openssl_error.hpp"
#include "tls/pem.hpp"

namespace lockline::tls {

namespace {

using StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;
void free_x509_stack(STACK_OF(X509) * stack) { sk_X509_free(stack); }
using StackPtr = std::unique_ptr<STACK_OF(X509), OpenSslDeleter<free_x509_stack>>;

std::string position(std::size_t index) {
  return index == 0 ? std::string("the leaf certificate")
                    : "certificate " + std::to_string(index + 1) + " of the chain";
}

Status check_validity(const Chain& chain, std::int64_t now) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto info = describe(chain[i].get());
    time_t t = static_cast<time_t>(now);
    if (X509_cmp_time(X509_get0_notBefore(chain[i].get()), &t) > 0) {
      return make_error(
          position(i) + " (" + info.subject + ") is not valid before " + info.not_before, "cert");
    }
    if (X509_cmp_time(X509_get0_notAfter(chain[i].get()), &t) < 0) {
      return make_error(position(i) + " (" + info.subject + ") expired on " + info.not_after,
                        "cert");
    }
  }
  return ok();
}

Status check_order(const Chain& chain) {
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    X509* child = chain[i].get();
    X509* parent = chain[i + 1].get();
    if (X509_check_issued(parent, child) != X509_V_OK ||
        X509_verify(child, X509_get0_pubkey(parent)) != 1) {
      return make_error("chain out of order or broken: " + position(i + 1) + " (" +
                            describe(parent).subject + ") did not issue " + position(i) + " (" +
                            describe(child).subject + ")",
                        "cert");
    }
  }
  return ok();
}

// Verifies the chain up to a trust anchor: its own root when it ends in one, else the CA store.
Status check_complete(const Chain& chain, const ValidationOptions& options, bool ends_in_root) {
  StorePtr store(X509_STORE_new());
  if (ends_in_root) {
    X509_STORE_add_cert(store.get(), chain.back().get());
  } else if (options.ca_file.empty()) {
    X509_STORE_set_default_paths(store.get());
  } else {
    X509_STORE_load_file(store.get(), options.ca_file.c_str());
  }
  StackPtr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  StoreCtxPtr context(X509_STORE_CTX_new());
  X509_STORE_CTX_init(context.get(), store.get(), chain.front().get(), untrusted.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(options.now));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(context.get()) == 1) return ok();
  const int error = X509_STORE_CTX_get_error(context.get());
  take_openssl_errors();
  if (error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
      error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
    const auto last = describe(chain.back().get());
    return make_error("chain incomplete: the issuer of '" + last.subject + "' ('" + last.issuer +
                          "') is neither in the file nor a known CA; add the intermediate "
                          "certificates after the leaf",
                      "cert");
  }
  return make_error(std::string("chain does not verify: ") + X509_verify_cert_error_string(error),
                    "cert");
}

bool covers(X509* leaf, const std::string& hostname) {
  if (hostname.empty()) return true;
  if (X509_check_ip_asc(leaf, hostname.c_str(), 0) == 1) return true;
  return X509_check_host(leaf, hostname.c_str(), hostname.size(), 0, nullptr) == 1;
}

}  // namespace

Result<ValidatedCertificate> validate_certificate(std::string_view chain_pem,
                                                  std::string_view key_pem,
                                                  const ValidationOptions& options) {
  auto chain = read_certificates(chain_pem, "cert");
  if (!chain) return chain.error();
  auto key = read_private_key(key_pem, "key");
  if (!key) return key.error();
  X509* leaf = chain->front().get();

  if (X509_check_private_key(leaf, key->get()) != 1) {
    take_openssl_errors();
    for (std::size_t i = 1; i < chain->size(); ++i) {
      if (X509_check_private_key((*chain)[i].get(), key->get()) == 1) {
        take_openssl_errors();
        return make_error("chain out of order: the key belongs to " + position(i) +
                              "; put the leaf certificate first, then its issuers",
                          "cert");
      }
    }
    take_openssl_errors();
    return make_error("the private key does not match the leaf certificate", "key");
  }
  const std::string family = key_family(key->get());
  if (family != "rsa" && family != "ecdsa") {
    return make_error("unsupported key type '" + family + "': use RSA or ECDSA", "key");
  }
  if (family == "rsa" && EVP_PKEY_get_bits(key->get()) < 2048) {
    return make_error("RSA key of " + std::to_string(EVP_PKEY_get_bits(key->get())) +
                          " bits is too weak: at least 2048 are needed",
                      "key");
  }
  if (auto valid = check_validity(*chain, options.now); !valid) return valid.error();
  if (auto ordered = check_order(*chain); !ordered) return ordered.error();

  ValidatedCertificate result;
  const bool ends_in_root = is_self_signed(chain->back().get());
  if (chain->size() == 1 && ends_in_root) {
    result.warnings.push_back(
        "the certificate is self-signed: browsers and phones will not trust it unless told to");
  }
  if (auto complete = check_complete(*chain, options, ends_in_root); !complete) {
    return complete.error();
  }
  if (!covers(leaf, options.hostname)) {
    result.warnings.push_back("the certificate does not cover the hostname '" + options.hostname +
                              "'");
  }
  // A root in the file is not sent to clients: they must already trust it.
  if (ends_in_root && chain->size() > 1) chain->pop_back();
  result.chain_pem = to_pem(*chain);
  result.chain_length = chain->size();
  result.key_pem = to_pem(key->get());
  result.key_family = family;
  result.leaf = describe(leaf);
  return result;
}

}  // namespace lockline::tls
