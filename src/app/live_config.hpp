#pragma once
// What the running server derives from the store (web policy, TLS context), kept current:
// poll() notices commits by any process (the CLI, the API) and republishes what changed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/snapshot.hpp"
#include "http/transport_security.hpp"
#include "pbx/sip_policy.hpp"
#include "policy/platform.hpp"
#include "provisioning/provisioning_policy.hpp"
#include "store/database.hpp"
#include "tls/server_context.hpp"

namespace lockline::app {

// Where phones reach Lockline, for the provisioning files.
struct PhoneFacing {
  std::string address;  // SIP server and provisioning URLs
  std::uint16_t http_port = 8080, provisioning_tls_port = 8444;
  std::uint16_t sip_port = 5060, sip_tls_port = 5061;
};

class LiveConfig {
 public:
  LiveConfig(const std::filesystem::path& database_file, policy::Platform platform,
             std::uint16_t https_port, std::string hostname, PhoneFacing phones);

  // Loads everything; throws when no TLS context can be built at start-up.
  void load();
  // The port actually bound (configured as 0 in tests), for redirects.
  void set_https_port(std::uint16_t port);
  // The ports actually bound, for the URLs in provisioning files.
  void set_provisioning_ports(std::uint16_t http_port, std::uint16_t tls_port);
  // Reloads when the store changed since the last look. Cheap: one PRAGMA when nothing did.
  void poll();

  const Snapshot<http::WebPolicy>& web_policy() const { return web_policy_; }
  const Snapshot<pbx::SipPolicy>& sip_policy() const { return sip_policy_; }
  // HTTPS (and provisioning): at the tls.level setting.
  const Snapshot<tls::ServerContext>& tls_context() const { return web_tls_.context; }
  // SIP over TLS: always Mozilla `old`, for handsets; the same certificates.
  const Snapshot<tls::ServerContext>& sip_tls_context() const { return sip_tls_.context; }
  // Secure provisioning: at tls.level, asking every client for a certificate from the
  // manufacturers' CAs (lockline provisioning ca).
  const Snapshot<tls::ServerContext>& provisioning_tls_context() const {
    return provisioning_tls_.context;
  }
  const Snapshot<provisioning::ProvisioningPolicy>& provisioning_policy() const {
    return provisioning_policy_;
  }

 private:
  struct Published {
    explicit Published(const char* n) : name(n) {}
    const char* name;
    std::string inputs;  // level + certificate ids the current context was built from
    Snapshot<tls::ServerContext> context;
  };
  void reload(bool at_start);
  void publish_context(Published& published, const std::string& level_name,
                       const std::string& certificate_ids,
                       const std::vector<tls::CertificateKeyPair>& pairs, bool at_start,
                       const tls::ClientVerification* clients = nullptr);
  void publish_provisioning_policy();

  // Its own connection: data_version only moves for commits made by other connections.
  store::Database db_;
  policy::Platform platform_;
  std::uint16_t https_port_;
  std::string hostname_;
  std::int64_t data_version_ = -1;
  Snapshot<http::WebPolicy> web_policy_;
  Snapshot<pbx::SipPolicy> sip_policy_{std::make_shared<const pbx::SipPolicy>()};
  Published web_tls_{"web"};
  Published sip_tls_{"SIP"};
  Published provisioning_tls_{"provisioning"};
  PhoneFacing phones_;
  provisioning::ProvisioningPolicy provisioning_;  // the last published, to republish on a port
  Snapshot<provisioning::ProvisioningPolicy> provisioning_policy_{
      std::make_shared<const provisioning::ProvisioningPolicy>()};
};

}  // namespace lockline::app
