#include "acme/renewal_info.hpp"

#include <gtest/gtest.h>

namespace lockline::acme {
namespace {

TEST(RenewalInfo, CertIdIsTheRfcsExample) {
  // RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
  // serial 0x87654321 (DER content 00 87 65 43 21).
  const std::string key_id(
      "\x69\x88\x5B\x6B\x87\x46\x40\x41\xE1\xB3\x7B\x84\x7B\xA0\xAE\x2C\xDE\x01\xC8\xD4", 20);
  EXPECT_EQ(ari_cert_id(key_id, std::string("\x00\x87\x65\x43\x21", 5)),
            "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST(RenewalInfo, CertIdFromACertificate) {
  // Made with openssl: AKI 7D:BA:A3:0E:..., serial 0x87654321.
  constexpr const char* kCertificate = R"(-----BEGIN CERTIFICATE-----
MIIBczCCARmgAwIBAgIFAIdlQyEwCgYIKoZIzj0EAwIwFjEUMBIGA1UEAwwLQVJJ
IHRlc3QgQ0EwHhcNMjYxMTI5MDk0NTM4WhcNMzYxMTI2MDk0NTM4WjATMREwDwYD
VQQDDAhhcmkudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGCqs5Yzd1gn
WWTTBOU/aOT5lXCkrIK4518XDPX4qmGFHGpBsHzARvprf72UECkpphM8EVPYjkc0
aKipW4b+NjajVzBVMB8GA1UdIwQYMBaAFH26ow6hyB0pIb8NzTAtEG6U9HQYMBMG
A1UdEQQMMAqCCGFyaS50ZXN0MB0GA1UdDgQWBBQwV9OEu4bUoRcrT3Of5scDObiq
gjAKBggqhkjOPQQDAgNIADBFAiEAqU7SEaxBtfcW/tXlAL4jg6XQl37h+/sLPi1a
76aBWCgCIBwC2u1DyRX/AGk2+rv4KwAzPUFfF71GAdAHn09e9a4v
-----END CERTIFICATE-----
)";
  const auto id = ari_cert_id(std::string_view(kCertificate));
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "fbqjDqHIHSkhvw3NMC0QbpT0dBg.AIdlQyE");
}

TEST(RenewalInfo, ReadsRfc3339Times) {
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339("2025-01-02T04:00:00Z"), 1735790400);
  EXPECT_EQ(*parse_rfc3339("2025-01-02T04:00:00.123456Z"), 1735790400);
  EXPECT_EQ(*parse_rfc3339("2025-01-02T06:00:00+02:00"), 1735790400);
  EXPECT_EQ(*parse_rfc3339("2025-01-01T23:30:00-04:30"), 1735790400);
  for (const char* bad :
       {"", "2025-01-02", "2025-01-02T04:00:00", "2025-13-02T04:00:00Z", "2025-01-02T04:00:00+0200",
        "2025-01-02 04:00:00Z", "x025-01-02T04:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

TEST(RenewalInfo, TakesTheSuggestedWindowAndPicksATimeInIt) {
  const auto window = parse_renewal_info(
      R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z","end":"2025-01-03T04:00:00Z"},)"
      R"("explanationURL":"https://acme.example.com/docs/ari"})");
  ASSERT_TRUE(window);
  EXPECT_EQ(window->start, 1735790400);
  EXPECT_EQ(window->end, 1735790400 + 86400);
  for (int i = 0; i < 100; ++i) {
    const auto t = renewal_time(*window, 0);
    EXPECT_GE(t, window->start);
    EXPECT_LT(t, window->end);
  }
  EXPECT_EQ(renewal_time(*window, window->end + 5), window->end + 5);  // passed: now
  const auto inside = window->start + 3600;
  EXPECT_GE(renewal_time(*window, inside), inside);  // never in the past
  for (const char* bad :
       {"{}", "[]", R"({"suggestedWindow":{"start":"2025-01-02T04:00:00Z"}})",
        R"({"suggestedWindow":{"start":"2025-01-03T04:00:00Z","end":"2025-01-02T04:00:00Z"}})",
        "not json"}) {
    EXPECT_FALSE(parse_renewal_info(bad)) << bad;
  }
}

}  // namespace
}  // namespace lockline::acme
