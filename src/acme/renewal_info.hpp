#pragma once
// ACME Renewal Information (RFC 9773): the server's suggested window for renewing a certificate.
// The certificate is named by its certID, base64url(AKI keyIdentifier) "." base64url(serial).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

typedef struct x509_st X509;

namespace lockline::acme {

// From the raw bytes: the AKI's keyIdentifier and the serial's DER content octets.
std::string ari_cert_id(std::string_view key_identifier, std::string_view serial);
// From the certificate's PEM (its first certificate); an error when it has no AKI keyIdentifier.
Result<std::string> ari_cert_id(std::string_view certificate_pem);

struct RenewalWindow {
  std::int64_t start = 0, end = 0;  // unix seconds
};
// The renewalInfo object: {"suggestedWindow": {"start": RFC 3339, "end": RFC 3339}, ...}.
Result<RenewalWindow> parse_renewal_info(std::string_view json);
// A time chosen uniformly at random in the window (RFC 9773 §4.2), or now if it has passed.
std::int64_t renewal_time(const RenewalWindow& window, std::int64_t now);

// RFC 3339 date-time ("2025-01-02T04:00:00Z", "...T04:00:00.5+02:00") as unix seconds.
Result<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace lockline::acme
