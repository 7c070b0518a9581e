#include "app/extension_commands.hpp"

#include "store/call_repository.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/cli_output.hpp"
#include "app/store_setup.hpp"
#include "store/call_repository.hpp"
#include "store/extension_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::app {

namespace {

constexpr auto kApplied = "; the running server applies it within 2 s\n";

pbx::ExtensionService service_for(store::Database& db, const SecretBox& box) {
  return pbx::ExtensionService(db, box);
}

}  // namespace

int extension_add(const Config& config, const pbx::ExtensionInput& input) {
  auto db = open_store(config);
  const auto box = open_credentials_box(config);
  if (auto added = service_for(*db, box).add(store::kDefaultTenant, input); !added) {
    return exit_code(added.error());
  }
  std::cout << "extension " << input.number << " added" << kApplied;
  return 0;
}

int extension_import(const Config& config, const std::string& file) {
  auto csv = read_file(file, "FILE");
  if (!csv) return exit_code(csv.error());
  auto db = open_store(config);
  const auto box = open_credentials_box(config);
  auto imported = service_for(*db, box).import_csv(store::kDefaultTenant, *csv);
  if (!imported) return exit_code(make_error(file + ": " + imported.error().message, "FILE"));
  std::cout << *imported << " extension(s) imported" << kApplied;
  return 0;
}

int extension_passwd(const Config& config, const std::string& number, const std::string& password) {
  auto db = open_store(config);
  const auto box = open_credentials_box(config);
  if (auto changed = service_for(*db, box).set_password(store::kDefaultTenant, number, password);
      !changed) {
    return exit_code(changed.error());
  }
  std::cout << "password of extension " << number << " changed" << kApplied;
  return 0;
}

int extension_remove(const Config& config, const std::string& number) {
  auto db = open_store(config);
  const auto box = open_credentials_box(config);
  if (auto removed = service_for(*db, box).remove(store::kDefaultTenant, number); !removed) {
    return exit_code(removed.error());
  }
  std::cout << "extension " << number << " removed, with its registrations" << kApplied;
  return 0;
}

int extension_list(const Config& config) {
  auto db = open_store(config);
  std::printf("%-16s %s\n", "EXTENSION", "NAME");
  for (const auto& e : store::ExtensionRepository(*db).list(store::kDefaultTenant)) {
    std::printf("%-16s %s\n", e.number.c_str(), e.display_name.c_str());
  }
  return 0;
}

// What the server has written (it writes changes within about a second); expired bindings are
// left out.
int registrations_list(const Config& config) {
  auto db = open_store(config);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  std::printf("%-12s %-9s %-24s %-8s %s\n", "EXTENSION", "EXPIRES", "SOURCE", "TRANSPORT",
              "CONTACT / USER AGENT");
  for (const auto& b : store::ExtensionRepository(*db).bindings(now)) {
    if (b.tenant_id != store::kDefaultTenant) continue;
    std::printf("%-12s %-9s %-24s %-8s %s  %s\n", b.extension.c_str(),
                (std::to_string(b.expires_at - now) + "s").c_str(), b.source.c_str(),
                b.transport.c_str(), b.contact.c_str(),
                b.user_agent.empty() ? "-" : ("\"" + b.user_agent + "\"").c_str());
  }
  return 0;
}

// The calls in progress as the server last wrote them (about every second): one line per leg.
int calls_list(const Config& config) {
  auto db = open_store(config);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto legs = store::CallRepository(*db).list(store::kDefaultTenant);
  std::printf("%-12s %-8s %-8s %-9s %-6s %-6s %-9s %-10s %-23s %-21s %10s %10s %7s\n", "CALL",
              "CALLER", "CALLEE", "STATE", "SECS", "LEG", "TRANSPORT", "CODEC", "SRTP", "PEER",
              "PKTS IN", "PKTS OUT", "DROPPED");
  for (const auto& l : legs) {
    std::printf("%-12s %-8s %-8s %-9s %-6lld %-6s %-9s %-10s %-23s %-21s %10lld %10lld %7lld\n",
                l.call.c_str(), l.caller.c_str(), l.callee.c_str(), l.state.c_str(),
                static_cast<long long>(now - l.started_at), l.leg == 0 ? "caller" : "callee",
                l.transport.c_str(), l.codec.empty() ? "-" : l.codec.c_str(),
                l.srtp.empty() ? "none" : l.srtp.c_str(), l.peer.empty() ? "-" : l.peer.c_str(),
                static_cast<long long>(l.packets_in), static_cast<long long>(l.packets_out),
                static_cast<long long>(l.dropped));
  }
  if (legs.empty()) std::printf("(no calls in progress)\n");
  return 0;
}

}  // namespace lockline::app
