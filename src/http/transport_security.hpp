#pragma once
// Force HTTPS (a 301 for every plain request but the ACME challenge and provisioning) and HSTS (on
// HTTPS responses only, RFC 6797 section 7.2).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace lockline::http {

struct WebPolicy {
  bool force_https = false;
  bool hsts = false;
  long long hsts_max_age = 63072000;
  bool hsts_include_subdomains = false;
  std::uint16_t https_port = 443;
  std::string default_host;  // used when the request has no usable Host header
};

inline constexpr std::string_view kAcmeChallengePrefix = "/.well-known/acme-challenge/";
// Phones' configuration files: provisioning.https governs them (a 403 naming it, or the file),
// not web.force_https; a redirect to the admin listener would serve no phone.
inline constexpr std::string_view kProvisioningPrefix = "/provisioning/";

// The redirect for a plain HTTP request, or nothing when it is to be served.
std::optional<Response> https_redirect(const WebPolicy& policy, const Request& request);
void add_hsts(const WebPolicy& policy, Response& response);

// The host part of a Host header value ("[::1]:8080" -> "[::1]"), or empty when unusable.
std::string host_without_port(std::string_view host_header);

}  // namespace lockline::http
