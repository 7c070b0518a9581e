#pragma once
// Server TLS contexts built from a Mozilla level and the active certificates. A context is an
// immutable snapshot: a change builds a new one and publishes it; a live SSL_CTX is never
// mutated, and connections keep the context they were accepted with.
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "policy/tls_levels.hpp"

namespace boost::asio::ssl {
class context;
}

namespace lockline::tls {

struct CertificateKeyPair {
  std::string chain_pem;
  std::string key_pem;
};

struct ServerContext {
  std::shared_ptr<boost::asio::ssl::context> ssl;
  std::string level;
  std::vector<std::string> served_key_families;  // "ecdsa", "rsa"
};

// Mutual TLS: every client is asked for a certificate, verified against these CA certificates
// (PEM; an intermediate may be the anchor). The handshake completes either way: the verdict is
// the application's to act on (tls::peer_certificate), so a refusal can be answered and audited.
struct ClientVerification {
  std::vector<std::string> ca_pems;
};

// Fails (and the caller keeps its current context) when no certificate can be loaded.
Result<std::shared_ptr<const ServerContext>> build_server_context(
    const policy::TlsLevel& level, const std::vector<CertificateKeyPair>& certificates,
    const ClientVerification* clients = nullptr);

// The level's TLS <= 1.2 suites that this OpenSSL build cannot offer at all (Debian: 3DES).
std::vector<std::string> unsupported_ciphers(const policy::TlsLevel& level);

}  // namespace lockline::tls
