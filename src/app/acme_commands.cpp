#include "app/acme_commands.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <iostream>
#include <thread>

#include "acme/certificate_manager.hpp"
#include "acme/web_client.hpp"
#include "app/cli_output.hpp"
#include "app/store_setup.hpp"
#include "store/acme_repository.hpp"
#include "store/certificate_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/pem.hpp"

namespace lockline::app {

namespace {

constexpr std::size_t kMaxDomains = 100;

std::string time_text(std::int64_t at) { return utc_time_text(at, "-"); }

// A DNS name HTTP-01 can validate: letters, digits and hyphens in dot-separated labels of 1 to
// 63, 253 at most; no wildcard (that takes DNS-01), no IP address.
Result<std::string> check_domain(std::string domain) {
  std::transform(domain.begin(), domain.end(), domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto bad = [&](const std::string& why) {
    return make_error("--domain " + domain + ": " + why, "--domain");
  };
  if (domain.starts_with("*."))
    return bad("wildcards need DNS-01 validation, which Lockline does not do");
  if (domain.empty() || domain.size() > 253) return bad("not a domain name");
  std::size_t label = 0;
  bool all_digits = true;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    const char c = i < domain.size() ? domain[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || domain[i - 1] == '-' || domain[i - label] == '-') {
        return bad("not a domain name");
      }
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return bad("not a domain name");
    all_digits = all_digits && (std::isdigit(static_cast<unsigned char>(c)) != 0);
    ++label;
  }
  if (all_digits) return bad("an IP address cannot be validated with HTTP-01 here");
  return domain;
}

void print_status(const store::AcmeRecord& r) {
  std::cout << "ACME:             " << (r.enabled ? "enabled" : "disabled") << "\n"
            << "Domains:          " << r.domains << "\n"
            << "Directory:        " << r.directory_url << "\n"
            << "Account:          " << (r.account_url.empty() ? "-" : r.account_url) << "\n"
            << "Key type:         " << r.key_type << "\n"
            << "Status:           " << r.status << "\n"
            << "Certificate:      "
            << (r.certificate_serial.empty()
                    ? std::string("-")
                    : "serial " + r.certificate_serial + ", until " + time_text(r.not_after))
            << "\n"
            << "Next renewal:     " << time_text(r.next_renewal_at) << "\n"
            << "Last success:     " << time_text(r.last_success_at) << "\n"
            << "Last attempt:     " << time_text(r.last_attempt_at) << "\n";
  if (!r.last_error.empty()) {
    std::cout << "Last error:       " << r.last_error << "\n"
              << "Next try:         " << time_text(r.retry_at)
              << " (failures in a row: " << r.failures << ")\n";
  }
  if (!r.last_warning.empty()) std::cout << "Warning:          " << r.last_warning << "\n";
}

// Waits for the server's result for request `generation`: 0 when it succeeded, 1 otherwise.
int wait_for_server(store::Database& db, std::int64_t generation, std::int64_t seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = store::AcmeRepository(db).load(store::kDefaultTenant);
    const bool answered = r && r->attempt_generation >= generation;
    if (answered && r->status == "valid") {
      print_status(*r);
      return 0;
    }
    if (answered && r->status == "error") {
      print_status(*r);
      std::cerr << "error: " << r->last_error << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::cerr << "error: no result from the server within " << seconds
            << " s; it keeps trying (is `lockline serve` running? see `lockline acme status`)\n";
  return 1;
}

}  // namespace

int acme_enable(const Config& config, const AcmeEnableInput& input) {
  if (input.domains.empty()) return exit_code(make_error("--domain is required", "--domain"));
  if (input.domains.size() > kMaxDomains) {
    return exit_code(make_error("--domain: at most 100 names", "--domain"));
  }
  std::string domains;
  for (const auto& d : input.domains) {
    auto domain = check_domain(d);
    if (!domain) return exit_code(domain.error());
    domains += (domains.empty() ? "" : ",") + *domain;
  }
  const auto at = input.email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == input.email.size() ||
      input.email.find_first_of(" ,<>\"") != std::string::npos) {
    return exit_code(make_error("--email: an address like admin@example.com", "--email"));
  }
  std::string directory = input.directory;
  if (directory.empty()) {
    directory = std::string(input.staging ? acme::kLetsEncryptStaging : acme::kLetsEncrypt);
  }
  if (auto url = acme::parse_url(directory); !url || url->scheme != "https") {
    return exit_code(make_error("--directory: an https:// URL", "--directory"));
  }
  std::string directory_ca;
  if (!input.directory_ca_file.empty()) {
    auto pem = read_file(input.directory_ca_file, "--directory-ca");
    if (!pem) return exit_code(pem.error());
    if (auto certificates = tls::read_certificates(*pem, "--directory-ca"); !certificates) {
      return exit_code(certificates.error());
    }
    directory_ca = *pem;
  }
  if (input.key_type != "ecdsa-p256" && input.key_type != "rsa2048") {
    return exit_code(make_error("--key-type: ecdsa-p256 or rsa2048", "--key-type"));
  }
  if (input.challenge_port < 1 || input.challenge_port > 65535) {
    return exit_code(make_error("--challenge-port: 1 to 65535", "--challenge-port"));
  }

  auto db = open_store(config);
  store::AcmeRepository repository(*db);
  auto record = repository.load(store::kDefaultTenant).value_or(store::AcmeRecord{});
  // A new directory is a new CA: its account starts afresh; so does --new-account.
  const bool new_account = record.directory_url != directory || input.new_account;
  record.tenant_id = store::kDefaultTenant;
  record.enabled = true;
  record.domains = domains;
  record.email = input.email;
  record.directory_url = directory;
  record.directory_ca_pem = directory_ca;
  record.key_type = input.key_type;
  record.challenge_port = input.challenge_port;
  record.renew_requested = true;
  record.status = "pending";
  const auto generation = repository.save_request(record, new_account);
  std::cout << "ACME enabled for " << domains << " with " << directory
            << "; the server is ordering the certificate...\n"
            << std::flush;
  return wait_for_server(*db, generation, input.wait_seconds);
}

int acme_status(const Config& config) {
  auto db = open_store(config);
  const auto record = store::AcmeRepository(*db).load(store::kDefaultTenant);
  if (!record) {
    std::cout << "ACME: not set up (lockline acme enable --domain NAME --email ADDRESS)\n";
    return 0;
  }
  print_status(*record);
  return 0;
}

int acme_disable(const Config& config) {
  auto db = open_store(config);
  store::AcmeRepository repository(*db);
  auto record = repository.load(store::kDefaultTenant);
  if (!record || !record->enabled) {
    std::cout << "ACME is not enabled\n";
    return 0;
  }
  record->enabled = false;
  record->renew_requested = false;
  record->status = "disabled";
  repository.save_request(*record);
  const bool back =
      store::CertificateRepository(*db).reactivate_latest_except(store::kDefaultTenant, "acme");
  std::cout << "ACME disabled; "
            << (back ? "the imported or self-signed certificate is served again"
                     : "no other certificate was stored: the ACME one stays in use")
            << " (new connections within 2 s)\n";
  return 0;
}

int acme_renew(const Config& config, std::int64_t wait_seconds) {
  auto db = open_store(config);
  store::AcmeRepository repository(*db);
  auto record = repository.load(store::kDefaultTenant);
  if (!record || !record->enabled) {
    return exit_code(make_error("ACME is not enabled (lockline acme enable ...)", "acme"));
  }
  record->renew_requested = true;
  const auto generation = repository.save_request(*record);
  std::cout << "renewal requested; the server is ordering a new certificate...\n" << std::flush;
  return wait_for_server(*db, generation, wait_seconds);
}

}  // namespace lockline::app
