#include "app/provisioning_commands.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/cli_output.hpp"
#include "app/store_setup.hpp"
#include "provisioning/mac_address.hpp"
#include "provisioning/manufacturer_cas.hpp"
#include "store/provisioning_audit_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::app {

namespace {

constexpr auto kApplied = "; the running server applies it within 2 s\n";

std::string time_text(std::int64_t at) { return utc_time_text(at, "never"); }

}  // namespace

int handset_add(const Config& config, const provisioning::HandsetInput& input) {
  auto db = open_store(config);
  auto added = provisioning::HandsetService(*db).add(store::kDefaultTenant, input);
  if (!added) return exit_code(added.error());
  std::cout << "handset " << provisioning::display_mac(added->mac) << " (" << added->manufacturer
            << " " << added->model << ") added for extension " << added->extension << kApplied;
  return 0;
}

int handset_list(const Config& config) {
  auto db = open_store(config);
  std::printf("%-17s %-12s %-12s %-10s %-8s %s\n", "MAC", "MANUFACTURER", "MODEL", "EXTENSION",
              "PINNED", "LAST FETCH");
  for (const auto& h : provisioning::HandsetService(*db).list(store::kDefaultTenant)) {
    std::printf("%-17s %-12s %-12s %-10s %-8s %s\n", provisioning::display_mac(h.mac).c_str(),
                h.manufacturer.c_str(), h.model.c_str(), h.extension.c_str(),
                h.certificate_fingerprint.empty() ? "no" : "yes",
                time_text(h.last_fetch_at).c_str());
  }
  return 0;
}

int handset_show(const Config& config, const std::string& mac) {
  auto db = open_store(config);
  auto h = provisioning::HandsetService(*db).show(store::kDefaultTenant, mac);
  if (!h) return exit_code(h.error());
  std::cout << "MAC:            " << provisioning::display_mac(h->mac) << "\n"
            << "Manufacturer:   " << h->manufacturer << "\n"
            << "Model:          " << h->model << "\n"
            << "Extension:      " << h->extension << "\n"
            << "Certificate:    "
            << (h->certificate_fingerprint.empty()
                    ? std::string("none pinned yet (the first valid one over mutual TLS will be)")
                    : "SHA-256 " + h->certificate_fingerprint)
            << "\n"
            << "Added:          " << time_text(h->created_at) << "\n"
            << "Last fetch:     " << time_text(h->last_fetch_at) << "\n";
  return 0;
}

int handset_remove(const Config& config, const std::string& mac) {
  auto db = open_store(config);
  if (auto removed = provisioning::HandsetService(*db).remove(store::kDefaultTenant, mac);
      !removed) {
    return exit_code(removed.error());
  }
  std::cout << "handset removed" << kApplied;
  return 0;
}

int handset_trust_reset(const Config& config, const std::string& mac) {
  auto db = open_store(config);
  if (auto reset = provisioning::HandsetService(*db).trust_reset(store::kDefaultTenant, mac);
      !reset) {
    return exit_code(reset.error());
  }
  std::cout << "the pinned certificate is forgotten: the handset's next valid certificate is "
               "pinned instead"
            << kApplied;
  return 0;
}

int provisioning_ca_add(const Config& config, const std::string& manufacturer,
                        const std::string& file) {
  auto pem = read_file(file, "FILE");
  if (!pem) return exit_code(pem.error());
  auto db = open_store(config);
  auto added = provisioning::ManufacturerCas(*db).add(manufacturer, *pem);
  if (!added) return exit_code(added.error());
  for (const auto& ca : *added) {
    std::cout << "CA " << ca.id << " added for " << ca.manufacturer << ": " << ca.subject
              << " (until " << ca.not_after << ")\n";
  }
  std::cout << "the provisioning listener trusts it for new connections within 2 s\n";
  return 0;
}

int provisioning_ca_list(const Config& config) {
  auto db = open_store(config);
  std::printf("%-4s %-12s %-21s %s\n", "ID", "MANUFACTURER", "NOT AFTER", "SUBJECT / SHA-256");
  for (const auto& ca : provisioning::ManufacturerCas(*db).list()) {
    std::printf("%-4lld %-12s %-21s %s\n     %s\n", static_cast<long long>(ca.id),
                ca.manufacturer.c_str(), ca.not_after.c_str(), ca.subject.c_str(),
                ca.fingerprint.c_str());
  }
  return 0;
}

int provisioning_ca_remove(const Config& config, std::int64_t id) {
  auto db = open_store(config);
  if (auto removed = provisioning::ManufacturerCas(*db).remove(id); !removed) {
    return exit_code(removed.error());
  }
  std::cout << "CA " << id << " removed; new connections no longer trust it within 2 s\n";
  return 0;
}

// The newest fetches, oldest first; the server writes them about once a second.
int provisioning_audit(const Config& config, std::int64_t limit) {
  auto db = open_store(config);
  std::printf("%-20s %-15s %-5s %-17s %-6s %-24s %s\n", "TIME", "SOURCE", "TLS", "MAC", "STATUS",
              "FILE", "REASON / CERTIFICATE");
  for (const auto& r : store::ProvisioningAuditRepository(*db).latest(limit)) {
    std::printf("%-20s %-15s %-5s %-17s %-6lld %-24s %s\n", time_text(r.at).c_str(),
                r.source.c_str(), r.secure ? "yes" : "no",
                r.mac.empty() ? "-" : provisioning::display_mac(r.mac).c_str(),
                static_cast<long long>(r.status), r.file.c_str(), r.reason.c_str());
    if (!r.certificate_subject.empty()) {
      std::printf("%87s certificate %s, serial %s\n", "", r.certificate_subject.c_str(),
                  r.certificate_serial.c_str());
    }
  }
  return 0;
}

}  // namespace lockline::app
