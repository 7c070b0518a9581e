#include "app/live_config.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "policy/settings_snapshot.hpp"
#include "store/certificate_repository.hpp"
#include "store/handset_repository.hpp"
#include "store/provisioning_ca_repository.hpp"
#include "store/settings_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/certificate_info.hpp"
#include "tls/pem.hpp"

namespace lockline::app {

namespace {

// What phones are to trust for Lockline's TLS: the last certificate of each chain served (the
// self-signed certificate itself, or the top of an imported or ACME chain).
std::string trust_anchors_pem(const std::vector<tls::CertificateKeyPair>& pairs) {
  std::string pem;
  for (const auto& pair : pairs) {
    auto chain = tls::read_certificates(pair.chain_pem, "chain");
    if (!chain || chain->empty()) continue;
    tls::Chain top;
    top.push_back(std::move(chain->back()));
    pem += tls::to_pem(top);
  }
  return pem;
}

}  // namespace

LiveConfig::LiveConfig(const std::filesystem::path& database_file, policy::Platform platform,
                       std::uint16_t https_port, std::string hostname, PhoneFacing phones)
    : db_(database_file),
      platform_(platform),
      https_port_(https_port),
      hostname_(std::move(hostname)),
      phones_(std::move(phones)) {}

void LiveConfig::set_provisioning_ports(std::uint16_t http_port, std::uint16_t tls_port) {
  phones_.http_port = http_port;
  phones_.provisioning_tls_port = tls_port;
  publish_provisioning_policy();
}

void LiveConfig::publish_provisioning_policy() {
  const auto host = phones_.address.find(':') == std::string::npos ? phones_.address
                                                                   : "[" + phones_.address + "]";
  provisioning_.sip_server = phones_.address;
  provisioning_.sip_port = phones_.sip_port;
  provisioning_.sip_tls_port = phones_.sip_tls_port;
  provisioning_.http_url =
      "http://" + host + ":" + std::to_string(phones_.http_port) + "/provisioning/";
  provisioning_.https_url =
      "https://" + host + ":" + std::to_string(phones_.provisioning_tls_port) + "/provisioning/";
  provisioning_policy_.publish(std::make_shared<provisioning::ProvisioningPolicy>(provisioning_));
}

void LiveConfig::load() { reload(true); }

void LiveConfig::set_https_port(std::uint16_t port) {
  if (port == https_port_) return;
  https_port_ = port;
  auto policy = std::make_shared<http::WebPolicy>(*web_policy_.get());
  policy->https_port = port;
  web_policy_.publish(std::move(policy));
}

void LiveConfig::poll() {
  const auto version = [&] {
    auto lock = db_.lock();
    return db_.data_version();
  }();
  if (version == data_version_) return;
  try {
    reload(false);
  } catch (const std::exception& e) {
    spdlog::error("reloading settings failed, keeping the current ones: {}", e.what());
  }
}

void LiveConfig::reload(bool at_start) {
  {
    auto lock = db_.lock();
    data_version_ = db_.data_version();
  }
  const policy::SettingsSnapshot settings(
      platform_, store::SettingsRepository(db_).load(store::kDefaultTenant));

  auto policy = std::make_shared<http::WebPolicy>();
  policy->force_https = settings.get_bool("web.force_https");
  policy->hsts = settings.get_bool("web.hsts");
  policy->hsts_max_age = settings.get_int("web.hsts_max_age");
  policy->hsts_include_subdomains = settings.get_bool("web.hsts_include_subdomains");
  policy->https_port = https_port_;
  policy->default_host = hostname_;
  web_policy_.publish(std::move(policy));

  auto sip = std::make_shared<pbx::SipPolicy>();
  sip->offer_sha256 = settings.get("sip.digest_algorithms") != "md5";
  for (const auto manufacturer : pbx::kManufacturers) {
    sip->tls_srtp[static_cast<std::size_t>(manufacturer)] =
        settings.get_bool("sip.tls_srtp." + std::string(pbx::manufacturer_name(manufacturer)));
  }
  for (const auto& tenant : store::list_tenants(db_)) {
    for (const auto& handset : store::HandsetRepository(db_).list(tenant.id)) {
      if (const auto m = pbx::manufacturer_from_name(handset.manufacturer)) {
        sip->registry[pbx::SipPolicy::registry_key(tenant.id, handset.extension)] |=
            1U << static_cast<unsigned>(*m);
      }
    }
  }
  sip_policy_.publish(std::move(sip));

  const auto certificates = store::CertificateRepository(db_).active(store::kDefaultTenant);
  std::string certificate_ids;
  std::vector<tls::CertificateKeyPair> pairs;
  for (const auto& c : certificates) {
    certificate_ids += "," + std::to_string(c.id);
    pairs.push_back({c.chain_pem, c.key_pem});
  }
  const auto level = settings.get("tls.level");
  publish_context(web_tls_, level, certificate_ids, pairs, at_start);
  // SIP over TLS: fixed at `old`, not a setting, for the handsets (issue 3); same certificates.
  publish_context(sip_tls_, "old", certificate_ids, pairs, at_start);

  // Secure provisioning: the same level and certificates, and the manufacturers' CAs.
  tls::ClientVerification clients;
  std::string ca_ids;
  provisioning_.manufacturer_by_ca.clear();
  for (const auto& ca : store::ProvisioningCaRepository(db_).list()) {
    clients.ca_pems.push_back(ca.pem);
    ca_ids += "," + std::to_string(ca.id);
    if (const auto m = pbx::manufacturer_from_name(ca.manufacturer)) {
      provisioning_.manufacturer_by_ca[ca.fingerprint] = *m;
    }
  }
  publish_context(provisioning_tls_, level, certificate_ids + ";" + ca_ids, pairs, at_start,
                  &clients);
  provisioning_.https_only = settings.get_bool("provisioning.https");
  for (const auto manufacturer : pbx::kManufacturers) {
    provisioning_.tls_srtp[static_cast<std::size_t>(manufacturer)] =
        settings.get_bool("sip.tls_srtp." + std::string(pbx::manufacturer_name(manufacturer)));
  }
  provisioning_.trust_pem = trust_anchors_pem(pairs);
  publish_provisioning_policy();
}

void LiveConfig::publish_context(Published& published, const std::string& level_name,
                                 const std::string& certificate_ids,
                                 const std::vector<tls::CertificateKeyPair>& pairs, bool at_start,
                                 const tls::ClientVerification* clients) {
  const auto inputs = level_name + certificate_ids;
  if (inputs == published.inputs) return;
  const auto* level = policy::find_tls_level(level_name);
  auto context = tls::build_server_context(*level, pairs, clients);
  if (!context) {
    if (at_start) {
      throw std::runtime_error("cannot build the TLS context: " + context.error().message);
    }
    spdlog::error("new TLS configuration rejected, keeping the current one: {}",
                  context.error().message);
    return;
  }
  published.context.publish(std::move(*context));
  published.inputs = inputs;
  spdlog::info("TLS ({}): level {} with {} certificate(s){}", published.name, level->name,
               pairs.size(), at_start ? "" : " (applied to new connections)");
}

}  // namespace lockline::app
