#include "admin/certificate_service.hpp"

#include "store/certificate_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/pem.hpp"
#include "tls/self_signed.hpp"

namespace lockline::admin {

bool CertificateService::ensure_certificates() {
  store::CertificateRepository repository(db_);
  if (!repository.active(store::kDefaultTenant).empty()) return false;
  std::vector<store::StoredCertificate> set;
  for (auto kind : {tls::KeyKind::ecdsa_p256, tls::KeyKind::rsa_2048}) {
    auto made = tls::make_self_signed(kind, hostname_);
    set.push_back({0, "self-signed", std::move(made.chain_pem), std::move(made.key_pem), 0});
  }
  repository.replace_active(store::kDefaultTenant, set);
  return true;
}

Result<tls::ValidatedCertificate> CertificateService::import(const std::string& chain_pem,
                                                             const std::string& key_pem) {
  auto validated =
      tls::validate_certificate(chain_pem, key_pem, {hostname_, store::unix_now(), {}});
  if (!validated) return validated;
  store::CertificateRepository(db_).replace_active(
      store::kDefaultTenant, {{0, "imported", validated->chain_pem, validated->key_pem, 0}});
  return validated;
}

std::vector<ActiveCertificate> CertificateService::active() {
  std::vector<ActiveCertificate> out;
  for (const auto& stored : store::CertificateRepository(db_).active(store::kDefaultTenant)) {
    auto chain = tls::read_certificates(stored.chain_pem, "certificate");
    if (!chain) continue;
    out.push_back({stored.source, tls::describe(chain->front().get()), chain->size()});
  }
  return out;
}

}  // namespace lockline::admin
