#include "tls/peer_certificate.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/certificate_info.hpp"

namespace lockline::tls {

namespace {

std::vector<std::pair<std::string, std::string>> name_fields(X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (length < 0) {
      // Kept, empty: a field that cannot be read still counts (a second CN must not hide).
      fields.emplace_back(nid == NID_undef ? "?" : OBJ_nid2sn(nid), std::string());
      continue;
    }
    fields.emplace_back(
        nid == NID_undef ? "?" : OBJ_nid2sn(nid),
        std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length)));
    OPENSSL_free(utf8);
  }
  return fields;
}

}  // namespace

std::shared_ptr<const PeerCertificate> peer_certificate(SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (!leaf) return nullptr;
  auto peer = std::make_shared<PeerCertificate>();
  peer->subject = subject_text(leaf);
  peer->serial = serial_hex(leaf);
  peer->sha256_fingerprint = sha256_fingerprint(leaf);
  peer->subject_fields = name_fields(X509_get_subject_name(leaf));
  const long verdict = SSL_get_verify_result(ssl);
  peer->verified = verdict == X509_V_OK;
  if (!peer->verified) {
    peer->error = X509_verify_cert_error_string(verdict);
  } else if (STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
             chain && sk_X509_num(chain) > 0) {
    peer->anchor_fingerprint = sha256_fingerprint(sk_X509_value(chain, sk_X509_num(chain) - 1));
  }
  return peer;
}

}  // namespace lockline::tls
