#pragma once
// The certificate a client showed in a mutual-TLS handshake, and OpenSSL's verdict on it, as
// plain values for the layers above (no OpenSSL types beyond this layer).
#include <memory>
#include <string>
#include <utility>
#include <vector>

typedef struct ssl_st SSL;

namespace lockline::tls {

struct PeerCertificate {
  bool verified = false;  // chains to a trusted CA, within every validity period
  std::string error;      // why not, in OpenSSL's words ("certificate has expired")
  std::string subject;    // one line, RFC 2253
  std::vector<std::pair<std::string, std::string>> subject_fields;  // {"CN", "..."}, in order
  std::string serial;                                               // hex
  std::string sha256_fingerprint;                                   // AA:BB:...
  std::string anchor_fingerprint;  // of the trusted CA its chain ends at; "" unless verified
};

// nullptr when the client showed none.
std::shared_ptr<const PeerCertificate> peer_certificate(SSL* ssl);

}  // namespace lockline::tls
