#include "tls/server_context.hpp"

#include <openssl/core_names.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>

#include "tls/certificate_info.hpp"
#include "tls/openssl_error.hpp"
#include "tls/pem.hpp"

namespace lockline::tls {

namespace {

namespace ssl = boost::asio::ssl;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX_free>>;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ":") + item;
  return out;
}

int protocol_version(const std::string& name) {
  if (name == "TLSv1") return TLS1_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return 0;
}

// TLS 1.0 and 1.1 sign with SHA-1, which OpenSSL 3 allows only at security level 0.
bool needs_security_level_zero(const policy::TlsLevel& level) {
  return std::any_of(level.tls_versions.begin(), level.tls_versions.end(),
                     [](const std::string& v) { return v == "TLSv1" || v == "TLSv1.1"; });
}

std::string security_level_suffix(const policy::TlsLevel& level) {
  return needs_security_level_zero(level) ? ":@SECLEVEL=0" : "";
}

std::vector<std::string> supported_ciphers(const policy::TlsLevel& level) {
  const auto missing = unsupported_ciphers(level);
  std::vector<std::string> out;
  for (const auto& c : level.ciphers) {
    if (std::find(missing.begin(), missing.end(), c) == missing.end()) out.push_back(c);
  }
  return out;
}

// The ffdhe2048 group (RFC 7919) for the DHE suites.
Status set_dh_group(SSL_CTX* ctx) {
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params = nullptr;
  char group[] = "ffdhe2048";
  OSSL_PARAM settings[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_end()};
  const bool made = pctx && EVP_PKEY_paramgen_init(pctx) == 1 &&
                    EVP_PKEY_CTX_set_params(pctx, settings) == 1 &&
                    EVP_PKEY_paramgen(pctx, &params) == 1;
  EVP_PKEY_CTX_free(pctx);
  if (!made || SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) {
    EVP_PKEY_free(params);
    return make_error("cannot set DH group ffdhe2048: " + take_openssl_errors());
  }
  return ok();
}

Status load_certificate(SSL_CTX* ctx, const CertificateKeyPair& pair) {
  auto chain = read_certificates(pair.chain_pem, "certificate");
  if (!chain) return chain.error();
  auto key = read_private_key(pair.key_pem, "key");
  if (!key) return key.error();
  STACK_OF(X509)* extra = sk_X509_new_null();
  for (std::size_t i = 1; i < chain->size(); ++i) sk_X509_push(extra, (*chain)[i].get());
  const int loaded = SSL_CTX_use_cert_and_key(ctx, chain->front().get(), key->get(), extra, 1);
  sk_X509_free(extra);
  if (loaded != 1) return make_error("cannot load certificate: " + take_openssl_errors());
  return ok();
}

}  // namespace

std::vector<std::string> unsupported_ciphers(const policy::TlsLevel& level) {
  SslCtxPtr probe(SSL_CTX_new(TLS_server_method()));
  std::vector<std::string> missing;
  for (const auto& cipher : level.ciphers) {
    if (SSL_CTX_set_cipher_list(probe.get(), (cipher + ":@SECLEVEL=0").c_str()) != 1) {
      missing.push_back(cipher);
    }
  }
  take_openssl_errors();
  return missing;
}

namespace {

Status require_client_certificates(SSL_CTX* ctx, const ClientVerification& clients) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  for (const auto& pem : clients.ca_pems) {
    auto certificates = read_certificates(pem, "CA");
    if (!certificates) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return certificates.error();
    }
    for (const auto& certificate : *certificates) {
      X509_STORE_add_cert(store, certificate.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(certificate.get())));
    }
  }
  // Names the acceptable CAs in the CertificateRequest: phones pick their certificate by them.
  SSL_CTX_set_client_CA_list(ctx, names);
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  SSL_CTX_set_verify_depth(ctx, 5);
  // Every connection shows and proves its certificate afresh (a resumed session would carry an
  // old verdict, against CAs that may have been removed since): no session cache, no tickets.
  static constexpr unsigned char kSessionContext[] = "lockline-mutual-tls";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  return ok();
}

}  // namespace

Result<std::shared_ptr<const ServerContext>> build_server_context(
    const policy::TlsLevel& level, const std::vector<CertificateKeyPair>& certificates,
    const ClientVerification* clients) {
  auto context = std::make_shared<ServerContext>();
  context->ssl = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->level = level.name;
  SSL_CTX* ctx = context->ssl->native_handle();

  int min_version = TLS1_3_VERSION, max_version = TLS1_VERSION;
  for (const auto& v : level.tls_versions) {
    min_version = std::min(min_version, protocol_version(v));
    max_version = std::max(max_version, protocol_version(v));
  }
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);

  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Read whole records (and what follows) per read(2), not header and body separately.
  SSL_CTX_set_read_ahead(ctx, 1);
  if (level.server_preferred_order) {
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  } else {
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }

  const auto ciphers = supported_ciphers(level);
  if (!ciphers.empty()) {
    if (SSL_CTX_set_cipher_list(ctx, (join(ciphers) + security_level_suffix(level)).c_str()) != 1) {
      return make_error("cipher list rejected: " + take_openssl_errors());
    }
  } else if (needs_security_level_zero(level)) {
    SSL_CTX_set_security_level(ctx, 0);
  }
  if (SSL_CTX_set_ciphersuites(ctx, join(level.ciphersuites).c_str()) != 1) {
    return make_error("TLS 1.3 suites rejected: " + take_openssl_errors());
  }
  if (SSL_CTX_set1_groups_list(ctx, join(level.curves).c_str()) != 1) {
    return make_error("curve list rejected: " + take_openssl_errors());
  }
  if (level.dh_param_size) {
    if (auto dh = set_dh_group(ctx); !dh) return dh.error();
  }

  // A key type is served when the level admits it (certificate_types) or names suites that it
  // authenticates: old admits RSA only, yet lists ECDHE-ECDSA suites, so it gets both; modern
  // gets ECDSA only. A set with nothing the level wants is served whole rather than not at all.
  std::vector<std::pair<const CertificateKeyPair*, std::string>> candidates;
  for (const auto& pair : certificates) {
    auto key = read_private_key(pair.key_pem, "key");
    if (!key) return key.error();
    candidates.emplace_back(&pair, key_family(key->get()));
  }
  const auto wanted = [&](const std::string& family) {
    const auto& types = level.certificate_types;
    const std::string marker = family == "ecdsa" ? "-ECDSA-" : "-RSA-";
    return std::find(types.begin(), types.end(), family) != types.end() ||
           std::any_of(level.ciphers.begin(), level.ciphers.end(),
                       [&](const std::string& c) { return c.find(marker) != std::string::npos; });
  };
  const bool any_wanted = std::any_of(candidates.begin(), candidates.end(),
                                      [&](const auto& c) { return wanted(c.second); });
  for (const auto& [pair, family] : candidates) {
    if (any_wanted && !wanted(family)) continue;
    if (auto loaded = load_certificate(ctx, *pair); !loaded) return loaded.error();
    context->served_key_families.push_back(family);
  }
  if (context->served_key_families.empty()) return make_error("no certificate to serve");
  if (clients) {
    if (auto required = require_client_certificates(ctx, *clients); !required) {
      return required.error();
    }
  }
  return std::shared_ptr<const ServerContext>(std::move(context));
}

}  // namespace lockline::tls
