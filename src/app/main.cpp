// lockline: the secure PBX. Parses the command line and hands over to app/.
#include <CLI/CLI.hpp>

#include <iostream>
#include <tuple>

#include "app/acme_commands.hpp"
#include "app/cli_commands.hpp"
#include "app/extension_commands.hpp"
#include "app/provisioning_commands.hpp"
#include "app/serve_command.hpp"
#include "core/logging.hpp"
#include "store/database.hpp"

int main(int argc, char** argv) {
  using namespace lockline::app;
  CLI::App cli{"Lockline, the secure PBX"};
  cli.require_subcommand(1);
  ConfigLocation location;
  std::string config_file, data_dir;
  bool verbose = false;
  cli.add_option("--config", config_file, "config file (default ./lockline.toml if present)");
  cli.add_option("--data-dir", data_dir, "data directory (default ./var)");
  cli.add_flag("-v,--verbose", verbose, "debug logging");

  int code = 0;
  std::function<int(const Config&)> run;
  bool write_config = false;

  auto* serve_cmd = cli.add_subcommand("serve", "run the server");
  ServeOptions serve_options;
  serve_cmd->add_option("--threads", serve_options.threads, "I/O threads (default: one per core)");
  serve_cmd->callback([&] {
    write_config = true;
    run = [&](const Config& c) { return serve(c, serve_options); };
  });

  auto* settings_cmd = cli.add_subcommand("settings", "show and change settings");
  settings_cmd->require_subcommand(1);
  settings_cmd->add_subcommand("list", "every setting with its value, default and enforcement")
      ->callback([&] { run = settings_list; });
  std::string key, value;
  auto* get_cmd = settings_cmd->add_subcommand("get", "one setting's value");
  get_cmd->add_option("key", key)->required();
  get_cmd->callback([&] { run = [&](const Config& c) { return settings_get(c, key); }; });
  auto* set_cmd = settings_cmd->add_subcommand("set", "change a setting");
  set_cmd->add_option("key", key)->required();
  set_cmd->add_option("value", value)->required();
  set_cmd->callback([&] {
    run = [&](const Config& c) { return settings_set(c, {{key, value}}); };
  });

  auto* cert_cmd = cli.add_subcommand("cert", "the TLS certificate");
  cert_cmd->require_subcommand(1);
  std::string cert_file, key_file;
  auto* import_cmd = cert_cmd->add_subcommand("import", "import a certificate chain and its key");
  import_cmd->add_option("--cert", cert_file, "PEM chain: leaf first, then intermediates")
      ->required();
  import_cmd->add_option("--key", key_file, "PEM private key (unencrypted)")->required();
  import_cmd->callback(
      [&] { run = [&](const Config& c) { return cert_import(c, cert_file, key_file); }; });
  cert_cmd->add_subcommand("show", "the certificates in use")->callback([&] { run = cert_show; });

  auto* token_cmd = cli.add_subcommand("token", "API tokens for scripts");
  token_cmd->require_subcommand(1);
  std::string token_name = "default";
  auto* create_cmd = token_cmd->add_subcommand("create", "create a token (printed once)");
  create_cmd->add_option("--name", token_name, "a name to recognise it by");
  create_cmd->callback([&] { run = [&](const Config& c) { return token_create(c, token_name); }; });
  token_cmd->add_subcommand("list", "list tokens")->callback([&] { run = token_list; });
  long long token_id = 0;
  auto* revoke_cmd = token_cmd->add_subcommand("revoke", "revoke a token");
  revoke_cmd->add_option("id", token_id)->required();
  revoke_cmd->callback([&] { run = [&](const Config& c) { return token_revoke(c, token_id); }; });

  auto* admin_cmd = cli.add_subcommand("admin", "the admin account");
  admin_cmd->require_subcommand(1);
  admin_cmd->add_subcommand("reset-password", "set and print a new generated admin password")
      ->callback([&] { run = admin_reset_password; });

  auto* tls_cmd = cli.add_subcommand("tls", "TLS policy");
  tls_cmd->require_subcommand(1);
  tls_cmd->add_subcommand("levels", "the Mozilla levels and what this OpenSSL lacks")
      ->callback([&] { run = tls_levels; });

  auto* extension_cmd = cli.add_subcommand("extension", "SIP extensions (phone accounts)");
  extension_cmd->require_subcommand(1);
  lockline::pbx::ExtensionInput extension;
  auto* ext_add = extension_cmd->add_subcommand("add", "add an extension");
  ext_add->add_option("number", extension.number, "1 to 15 digits")->required();
  ext_add->add_option("--password", extension.password, "SIP password, 8 to 128 characters")
      ->required();
  ext_add->add_option("--name", extension.display_name, "display name");
  ext_add->callback([&] { run = [&](const Config& c) { return extension_add(c, extension); }; });
  std::string csv_file;
  auto* ext_import =
      extension_cmd->add_subcommand("import", "add many: CSV lines extension,password,name");
  ext_import->add_option("file", csv_file)->required();
  ext_import->callback(
      [&] { run = [&](const Config& c) { return extension_import(c, csv_file); }; });
  auto* ext_passwd = extension_cmd->add_subcommand("passwd", "change an extension's password");
  ext_passwd->add_option("number", extension.number)->required();
  ext_passwd->add_option("--password", extension.password)->required();
  ext_passwd->callback([&] {
    run = [&](const Config& c) {
      return extension_passwd(c, extension.number, extension.password);
    };
  });
  auto* ext_remove = extension_cmd->add_subcommand("remove", "remove an extension");
  ext_remove->add_option("number", extension.number)->required();
  ext_remove->callback(
      [&] { run = [&](const Config& c) { return extension_remove(c, extension.number); }; });
  extension_cmd->add_subcommand("list", "list extensions")->callback([&] { run = extension_list; });
  cli.add_subcommand("registrations", "registered phones: contact, transport, source, expiry")
      ->callback([&] { run = registrations_list; });
  cli.add_subcommand("calls", "calls in progress: both legs, transports, codec, SRTP, packets")
      ->callback([&] { run = calls_list; });

  auto* handset_cmd = cli.add_subcommand("handset", "the handset registry (provisioning)");
  handset_cmd->require_subcommand(1);
  lockline::provisioning::HandsetInput handset;
  auto* handset_add_cmd = handset_cmd->add_subcommand("add", "register a handset by its MAC");
  handset_add_cmd->add_option("mac", handset.mac, "MAC address, any common notation")->required();
  handset_add_cmd
      ->add_option("--manufacturer", handset.manufacturer,
                   "yealink, poly, snom, grandstream or cisco")
      ->required();
  handset_add_cmd->add_option("--model", handset.model, "e.g. T54W, VVX450, D785")->required();
  handset_add_cmd->add_option("--extension", handset.extension, "its SIP account")->required();
  handset_add_cmd->callback(
      [&] { run = [&](const Config& c) { return handset_add(c, handset); }; });
  handset_cmd->add_subcommand("list", "list handsets")->callback([&] { run = handset_list; });
  for (const auto& [name, help, command] :
       {std::tuple{"show", "one handset, with its pinned certificate", &handset_show},
        std::tuple{"remove", "remove a handset", &handset_remove},
        std::tuple{"trust-reset", "forget the certificate pinned on its first fetch",
                   &handset_trust_reset}}) {
    auto* sub = handset_cmd->add_subcommand(name, help);
    sub->add_option("mac", handset.mac)->required();
    sub->callback([&, command = command] {
      run = [&, command](const Config& c) { return command(c, handset.mac); };
    });
  }

  auto* provisioning_cmd = cli.add_subcommand("provisioning", "secure provisioning");
  provisioning_cmd->require_subcommand(1);
  auto* ca_cmd =
      provisioning_cmd->add_subcommand("ca", "the manufacturers' CAs for handset certificates");
  ca_cmd->require_subcommand(1);
  std::string ca_manufacturer, ca_file;
  std::int64_t ca_id = 0;
  auto* ca_add = ca_cmd->add_subcommand("add", "trust a manufacturer's CA certificate(s)");
  ca_add->add_option("--manufacturer", ca_manufacturer)->required();
  ca_add->add_option("file", ca_file, "PEM file")->required();
  ca_add->callback([&] {
    run = [&](const Config& c) { return provisioning_ca_add(c, ca_manufacturer, ca_file); };
  });
  ca_cmd->add_subcommand("list", "list the CAs")->callback([&] { run = provisioning_ca_list; });
  auto* ca_remove = ca_cmd->add_subcommand("remove", "stop trusting a CA");
  ca_remove->add_option("id", ca_id)->required();
  ca_remove->callback(
      [&] { run = [&](const Config& c) { return provisioning_ca_remove(c, ca_id); }; });

  auto* acme_cmd = cli.add_subcommand("acme", "Let's Encrypt (ACME) certificates");
  acme_cmd->require_subcommand(1);
  AcmeEnableInput acme;
  auto* acme_enable_cmd = acme_cmd->add_subcommand("enable", "get a certificate and renew it");
  acme_enable_cmd->add_option("--domain", acme.domains, "a name to certify (repeatable)")
      ->required();
  acme_enable_cmd->add_option("--email", acme.email, "the account's contact")->required();
  acme_enable_cmd->add_option("--directory", acme.directory,
                              "ACME directory URL (default: Let's Encrypt)");
  acme_enable_cmd->add_option("--directory-ca", acme.directory_ca_file,
                              "PEM CA to trust for the directory's TLS (test servers)");
  acme_enable_cmd->add_flag("--staging", acme.staging, "Let's Encrypt's staging directory");
  acme_enable_cmd->add_option("--key-type", acme.key_type, "ecdsa-p256 (default) or rsa2048");
  acme_enable_cmd->add_option("--challenge-port", acme.challenge_port,
                              "the port the ACME server validates HTTP-01 on (default 80)");
  acme_enable_cmd->add_flag("--new-account", acme.new_account,
                            "register a new account (the stored one was deactivated or revoked)");
  acme_enable_cmd->add_option("--wait", acme.wait_seconds, "seconds to wait for the result");
  acme_enable_cmd->callback([&] { run = [&](const Config& c) { return acme_enable(c, acme); }; });
  acme_cmd->add_subcommand("status", "account, certificate, next renewal, last error")
      ->callback([&] { run = acme_status; });
  acme_cmd->add_subcommand("disable", "back to the imported or self-signed certificate")
      ->callback([&] { run = acme_disable; });
  auto* acme_renew_cmd = acme_cmd->add_subcommand("renew", "renew now");
  bool renew_now = false;
  acme_renew_cmd->add_flag("--now", renew_now, "renew now, whatever the schedule says")->required();
  acme_renew_cmd->add_option("--wait", acme.wait_seconds, "seconds to wait for the result");
  acme_renew_cmd->callback(
      [&] { run = [&](const Config& c) { return acme_renew(c, acme.wait_seconds); }; });

  auto* audit_cmd = cli.add_subcommand("audit", "the audit log");
  bool audit_provisioning = false;
  std::int64_t audit_limit = 100;
  audit_cmd->add_flag("--provisioning", audit_provisioning, "provisioning fetches")->required();
  audit_cmd->add_option("--limit", audit_limit, "the newest N (default 100)");
  audit_cmd->callback(
      [&] { run = [&](const Config& c) { return provisioning_audit(c, audit_limit); }; });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 2;
  }
  lockline::init_logging(verbose);
  if (!config_file.empty()) location.file = config_file;
  if (!data_dir.empty()) location.data_dir = data_dir;
  try {
    auto config = load_config(location, write_config);
    if (!config) {
      std::cerr << "error: " << config.error().message << "\n";
      return 2;
    }
    code = run(*config);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return code;
}
