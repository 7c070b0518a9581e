#include "acme/renewal_info.hpp"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>

#include <cctype>
#include <ctime>

#include "acme/jose.hpp"
#include "tls/pem.hpp"

namespace lockline::acme {

namespace json = boost::json;

std::string ari_cert_id(std::string_view key_identifier, std::string_view serial) {
  return base64url(key_identifier) + "." + base64url(serial);
}

Result<std::string> ari_cert_id(std::string_view certificate_pem) {
  auto chain = tls::read_certificates(certificate_pem, "certificate");
  if (!chain) return chain.error();
  X509* leaf = chain->front().get();
  const ASN1_OCTET_STRING* key_id = X509_get0_authority_key_id(leaf);
  if (!key_id) return make_error("the certificate has no Authority Key Identifier");
  // The serial's content octets as DER encodes them: big-endian two's complement, so a leading
  // zero byte when the top bit is set.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(leaf);
  unsigned char* der = nullptr;
  const int length = i2d_ASN1_INTEGER(serial, &der);
  if (length < 3) return make_error("the certificate's serial cannot be encoded");
  const std::string encoded(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  // Skip the tag and the (short or long form) length.
  std::size_t header = 2;
  if (static_cast<unsigned char>(encoded[1]) & 0x80) header += encoded[1] & 0x7f;
  return ari_cert_id({reinterpret_cast<const char*>(ASN1_STRING_get0_data(key_id)),
                      static_cast<std::size_t>(ASN1_STRING_length(key_id))},
                     std::string_view(encoded).substr(header));
}

Result<std::int64_t> parse_rfc3339(std::string_view text) {
  const auto bad = [&] { return make_error("not an RFC 3339 time: " + std::string(text)); };
  const auto digits = [&](std::size_t at, std::size_t n) -> int {
    int value = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = digits(0, 4) - 1900;
  tm.tm_mon = digits(5, 2) - 1;
  tm.tm_mday = digits(8, 2);
  tm.tm_hour = digits(11, 2);
  tm.tm_min = digits(14, 2);
  tm.tm_sec = digits(17, 2);
  if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60) {
    return bad();
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
  }
  std::int64_t offset = 0;
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    offset = 0;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const int hours = digits(at + 1, 2), minutes = digits(at + 4, 2);
    if (hours < 0 || minutes < 0) return bad();
    offset = (text[at] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else {
    return bad();
  }
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

Result<RenewalWindow> parse_renewal_info(std::string_view text) {
  json::error_code ec;
  const auto value = json::parse(text, ec);
  const auto* window =
      !ec && value.is_object() ? value.as_object().if_contains("suggestedWindow") : nullptr;
  if (!window || !window->is_object()) return make_error("renewalInfo has no suggestedWindow");
  const auto* start = window->as_object().if_contains("start");
  const auto* end = window->as_object().if_contains("end");
  if (!start || !end || !start->is_string() || !end->is_string()) {
    return make_error("renewalInfo's suggestedWindow lacks start or end");
  }
  auto from = parse_rfc3339(start->as_string());
  auto to = parse_rfc3339(end->as_string());
  if (!from) return from.error();
  if (!to) return to.error();
  if (*to <= *from) return make_error("renewalInfo's suggestedWindow ends before it starts");
  return RenewalWindow{*from, *to};
}

std::int64_t renewal_time(const RenewalWindow& window, std::int64_t now) {
  if (window.end <= now) return now;
  std::uint64_t random = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&random), sizeof random);
  const auto start = std::max(window.start, now);
  return start + static_cast<std::int64_t>(random % static_cast<std::uint64_t>(window.end - start));
}

}  // namespace lockline::acme
