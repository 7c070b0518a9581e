#include "tls/certificate_info.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "tls/openssl_types.hpp"

namespace lockline::tls {

namespace {

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::pair<std::string, std::int64_t> time_text(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return {buffer, static_cast<std::int64_t>(timegm(&tm))};
}

std::vector<std::string> alt_names(X509* x) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      const auto* s = n->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (n->type == GEN_IPADD) {
      const auto* ip = n->d.iPAddress;
      char* text = nullptr;
      if (ASN1_STRING_length(ip) == 4) {
        const unsigned char* b = ASN1_STRING_get0_data(ip);
        out.push_back("IP:" + std::to_string(b[0]) + "." + std::to_string(b[1]) + "." +
                      std::to_string(b[2]) + "." + std::to_string(b[3]));
      } else {
        text = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(ip), ASN1_STRING_length(ip));
        out.push_back(std::string("IP:") + (text ? text : ""));
        OPENSSL_free(text);
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

std::string key_family(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "rsa";
    case EVP_PKEY_EC:
      return "ecdsa";
    default:
      return EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
  }
}

bool is_self_signed(X509* certificate) {
  if (X509_NAME_cmp(X509_get_subject_name(certificate), X509_get_issuer_name(certificate)) != 0) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  return key && X509_verify(certificate, key) == 1;
}

std::string subject_text(X509* certificate) {
  return name_text(X509_get_subject_name(certificate));
}

std::string serial_hex(X509* certificate) {
  std::string out;
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr)) {
    char* hex = BN_bn2hex(serial);
    out = hex;
    OPENSSL_free(hex);
    BN_free(serial);
  }
  return out;
}

std::string sha256_fingerprint(X509* certificate) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(certificate, EVP_sha256(), md, &length);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned i = 0; i < length; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

CertificateInfo describe(X509* x) {
  CertificateInfo info;
  info.subject = name_text(X509_get_subject_name(x));
  info.issuer = name_text(X509_get_issuer_name(x));
  info.subject_alt_names = alt_names(x);
  info.serial = serial_hex(x);
  std::tie(info.not_before, info.not_before_unix) = time_text(X509_get0_notBefore(x));
  std::tie(info.not_after, info.not_after_unix) = time_text(X509_get0_notAfter(x));
  if (EVP_PKEY* key = X509_get0_pubkey(x)) {
    const std::string family = key_family(key);
    if (family == "rsa") {
      info.key_type = "RSA " + std::to_string(EVP_PKEY_get_bits(key));
    } else if (family == "ecdsa") {
      char curve[64] = {};
      std::size_t length = 0;
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &length);
      const std::string group(curve, length);
      info.key_type = "ECDSA " + (group == "prime256v1"  ? std::string("P-256")
                                  : group == "secp384r1" ? std::string("P-384")
                                                         : group);
    } else {
      info.key_type = family;
    }
  }
  info.sha256_fingerprint = sha256_fingerprint(x);
  info.self_signed = is_self_signed(x);
  return info;
}

}  // namespace lockline::tls
