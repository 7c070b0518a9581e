#pragma once
// Phones fetching their configuration: GET /provisioning/<file> on the HTTP listener (unless
// provisioning.https) and on the mutual-TLS listener (listen.provisioning_tls). Over mutual TLS
// a handset's own file goes only to the handset whose factory certificate names its MAC, whose
// manufacturer's CA vouches for that certificate, and which is the certificate it showed on its
// first fetch. Every fetch, served or refused, is audited.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <string_view>

#include "core/secret_box.hpp"
#include "core/snapshot.hpp"
#include "http/message.hpp"
#include "http/transport_security.hpp"
#include "provisioning/fetch_audit.hpp"
#include "provisioning/handset_book.hpp"
#include "provisioning/provisioning_policy.hpp"
#include "provisioning/templates.hpp"
#include "store/database.hpp"

namespace lockline::provisioning {

struct ProvisioningServices {
  const Snapshot<ProvisioningPolicy>& policy;
  const HandsetBook& book;
  const SecretBox& box;
  Templates& templates;
  FetchAudit& audit;
  store::Database& db;                    // pins a handset's first certificate
  boost::asio::any_io_executor blocking;  // where that write runs
};

using http::kProvisioningPrefix;

class ProvisioningHandler {
 public:
  explicit ProvisioningHandler(ProvisioningServices services) : s_(services) {}

  boost::asio::awaitable<http::Response> handle(http::Request& request,
                                                const http::RequestContext& context);

 private:
  ProvisioningServices s_;
};

}  // namespace lockline::provisioning
