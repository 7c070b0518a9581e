#include "provisioning/certificate_identity.hpp"

#include <gtest/gtest.h>

namespace lockline::provisioning {
namespace {

using pbx::Manufacturer;

tls::PeerCertificate with_subject(std::vector<std::pair<std::string, std::string>> fields) {
  tls::PeerCertificate certificate;
  certificate.verified = true;
  certificate.subject_fields = std::move(fields);
  return certificate;
}

TEST(CertificateIdentity, TakesTheMacFromTheCommonName) {
  const auto yealink = with_subject({{"O", "Yealink"}, {"CN", "001565AABBCC"}});
  EXPECT_EQ(certificate_mac(Manufacturer::yealink, yealink), "001565aabbcc");
  const auto snom = with_subject({{"CN", "00:04:13:aa:bb:cc"}});
  EXPECT_EQ(certificate_mac(Manufacturer::snom, snom), "000413aabbcc");
}

TEST(CertificateIdentity, CiscoMppKeepsTheMacInStateOrProvince) {
  const auto cisco =
      with_subject({{"OU", "CP-8841-3PCC"}, {"L", "88012BA01234"}, {"ST", "000e08abcdef"}});
  EXPECT_EQ(certificate_mac(Manufacturer::cisco, cisco), "000e08abcdef");
  // The common name means nothing for Cisco, the state field nothing for the others.
  EXPECT_EQ(certificate_mac(Manufacturer::cisco, with_subject({{"CN", "000e08abcdef"}})),
            std::nullopt);
  EXPECT_EQ(certificate_mac(Manufacturer::yealink, cisco), std::nullopt);
}

TEST(CertificateIdentity, AGenericCertificateIdentifiesNobody) {
  EXPECT_EQ(certificate_mac(Manufacturer::yealink, with_subject({{"CN", "Yealink Equipment"}})),
            std::nullopt);
  EXPECT_EQ(certificate_mac(Manufacturer::poly, with_subject({{"O", "Polycom Inc."}})),
            std::nullopt);
  // Two MACs in the field that should hold one: which handset would it be?
  EXPECT_EQ(certificate_mac(Manufacturer::snom,
                            with_subject({{"CN", "000413aabbcc"}, {"CN", "000413aabbcd"}})),
            std::nullopt);
}

}  // namespace
}  // namespace lockline::provisioning
