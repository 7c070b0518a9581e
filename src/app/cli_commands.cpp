#include "app/cli_commands.hpp"

#include <cstdio>
#include <iostream>

#include "admin/admin_auth.hpp"
#include "admin/certificate_service.hpp"
#include "admin/settings_service.hpp"
#include "app/cli_output.hpp"
#include "app/store_setup.hpp"
#include "policy/tls_levels.hpp"
#include "store/credential_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/server_context.hpp"

namespace lockline::app {

namespace {

void print_setting(const admin::SettingView& v) {
  std::string enforced = "-";
  if (v.enforced_minimum) {
    enforced = "hosted: " + std::string(v.spec->type == policy::SettingType::boolean ? "" : ">= ") +
               *v.enforced_minimum;
  }
  std::printf("%-28s %-14s %-14s %s\n", v.spec->key.c_str(), v.effective.c_str(),
              v.spec->default_value.c_str(), enforced.c_str());
}

}  // namespace

int settings_list(const Config& config) {
  auto db = open_store(config);
  std::printf("%-28s %-14s %-14s %s\n", "KEY", "VALUE", "DEFAULT", "ENFORCED");
  for (const auto& v : admin::SettingsService(*db, config.platform).list()) print_setting(v);
  return 0;
}

int settings_get(const Config& config, const std::string& key) {
  auto db = open_store(config);
  auto v = admin::SettingsService(*db, config.platform).get(key);
  if (!v) return exit_code(v.error());
  std::cout << v->effective << "\n";
  return 0;
}

int settings_set(const Config& config, const std::map<std::string, std::string>& values) {
  auto db = open_store(config);
  admin::SettingsService service(*db, config.platform);
  if (auto stored = service.set(values); !stored) return exit_code(stored.error());
  for (const auto& [key, value] : values) {
    auto v = service.get(key);
    std::cout << key << " = " << v->effective << "\n";
  }
  return 0;
}

int cert_import(const Config& config, const std::string& cert_file, const std::string& key_file) {
  auto chain = read_file(cert_file, "--cert");
  if (!chain) return exit_code(chain.error());
  auto key = read_file(key_file, "--key");
  if (!key) return exit_code(key.error());
  auto db = open_store(config);
  auto imported = admin::CertificateService(*db, config.hostname).import(*chain, *key);
  if (!imported) {
    const auto& e = imported.error();
    const std::string option = e.field == "key" ? "--key" : "--cert";
    return exit_code(make_error(option + ": " + e.message, e.field, e.kind));
  }
  for (const auto& w : imported->warnings) std::cerr << "warning: " << w << "\n";
  std::cout << "imported " << imported->leaf.subject << " (serial " << imported->leaf.serial
            << "); new TLS connections use it within 2 s\n";
  return 0;
}

int cert_show(const Config& config) {
  auto db = open_store(config);
  const auto active = admin::CertificateService(*db, config.hostname).active();
  for (const auto& c : active) {
    std::string names;
    for (const auto& n : c.leaf.subject_alt_names) names += (names.empty() ? "" : ", ") + n;
    std::cout << "source:      " << c.source << "\n"
              << "subject:     " << c.leaf.subject << "\n"
              << "SANs:        " << names << "\n"
              << "issuer:      " << c.leaf.issuer << "\n"
              << "serial:      " << c.leaf.serial << "\n"
              << "valid from:  " << c.leaf.not_before << "\n"
              << "valid until: " << c.leaf.not_after << "\n"
              << "key type:    " << c.leaf.key_type << "\n"
              << "SHA-256:     " << c.leaf.sha256_fingerprint << "\n"
              << "chain:       " << c.chain_length << " certificate(s)\n\n";
  }
  if (active.empty()) std::cout << "no certificate yet: `lockline serve` makes one\n";
  return 0;
}

int token_create(const Config& config, const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return exit_code(make_error("--name must be 1 to 64 characters", "--name"));
  }
  auto db = open_store(config);
  std::cout << admin::AdminAuth(*db).create_token(name) << "\n";
  std::cerr << "API token '" << name
            << "' created; it is shown only now. Use it as: Authorization: Bearer <token>\n";
  return 0;
}

int token_list(const Config& config) {
  auto db = open_store(config);
  std::printf("%-6s %-24s %s\n", "ID", "NAME", "CREATED (unix)");
  for (const auto& t : store::CredentialRepository(*db).list_tokens(store::kDefaultTenant)) {
    std::printf("%-6lld %-24s %lld\n", static_cast<long long>(t.id), t.name.c_str(),
                static_cast<long long>(t.created_at));
  }
  return 0;
}

int token_revoke(const Config& config, long long id) {
  auto db = open_store(config);
  if (!store::CredentialRepository(*db).revoke_token(store::kDefaultTenant, id)) {
    return exit_code(
        make_error("no API token with id " + std::to_string(id), "id", ErrorKind::not_found));
  }
  std::cout << "API token " << id << " revoked\n";
  return 0;
}

int admin_reset_password(const Config& config) {
  auto db = open_store(config);
  std::cout << "Admin user: admin\nNew admin password (shown once): "
            << admin::AdminAuth(*db).reset_admin_password() << "\n";
  return 0;
}

int tls_levels(const Config&) {
  for (const auto& level : policy::tls_levels()) {
    std::cout << level.name << ":";
    for (const auto& v : level.tls_versions) std::cout << " " << v;
    std::cout << "; " << level.ciphers.size() + level.ciphersuites.size() << " suites";
    const auto missing = tls::unsupported_ciphers(level);
    if (!missing.empty()) {
      std::cout << "; not available in this OpenSSL:";
      for (const auto& c : missing) std::cout << " " << c;
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace lockline::app
