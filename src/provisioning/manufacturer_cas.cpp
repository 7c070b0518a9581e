#include "provisioning/manufacturer_cas.hpp"

#include <openssl/x509v3.h>

#include <ctime>

#include "pbx/manufacturer.hpp"
#include "tls/certificate_info.hpp"
#include "tls/pem.hpp"

namespace lockline::provisioning {

Result<std::vector<store::ProvisioningCaRecord>> ManufacturerCas::add(
    const std::string& manufacturer, std::string_view pem) {
  if (!pbx::manufacturer_from_name(manufacturer)) {
    return make_error("manufacturer: one of yealink, poly, snom, grandstream, cisco",
                      "manufacturer");
  }
  auto certificates = tls::read_certificates(pem, "FILE");
  if (!certificates) return certificates.error();
  std::vector<store::ProvisioningCaRecord> records;
  for (const auto& certificate : *certificates) {
    const auto info = tls::describe(certificate.get());
    if (X509_check_ca(certificate.get()) == 0) {
      return make_error("FILE: " + info.subject + " is not a CA certificate", "FILE");
    }
    if (info.not_after_unix < static_cast<std::int64_t>(std::time(nullptr))) {
      return make_error("FILE: " + info.subject + " expired on " + info.not_after, "FILE");
    }
    tls::Chain one;
    one.emplace_back(X509_dup(certificate.get()));
    records.push_back(
        {0, manufacturer, info.sha256_fingerprint, info.subject, info.not_after, tls::to_pem(one)});
  }
  store::ProvisioningCaRepository repository(db_);
  std::int64_t existing = 0;
  if (!repository.add_all(records, &existing)) {
    return make_error(
        "FILE: a certificate in it is there already (CA " + std::to_string(existing) + ")", "FILE",
        ErrorKind::conflict);
  }
  return records;
}

Status ManufacturerCas::remove(std::int64_t id) {
  if (!store::ProvisioningCaRepository(db_).remove(id)) {
    return make_error("no provisioning CA " + std::to_string(id), "id", ErrorKind::not_found);
  }
  return ok();
}

std::vector<store::ProvisioningCaRecord> ManufacturerCas::list() {
  return store::ProvisioningCaRepository(db_).list();
}

}  // namespace lockline::provisioning
