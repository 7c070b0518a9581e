#include "http/transport_security.hpp"

#include <cctype>

namespace lockline::http {

std::string host_without_port(std::string_view value) {
  if (value.empty() || value.size() > 255) return {};
  std::string_view host;
  if (value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos) return {};
    host = value.substr(0, close + 1);
    const auto rest = value.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return {};
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return {};
    }
    return std::string(host);
  }
  const auto colon = value.find(':');
  host = value.substr(0, colon);
  if (host.empty()) return {};
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return {};
  }
  return std::string(host);
}

std::optional<Response> https_redirect(const WebPolicy& policy, const Request& request) {
  if (!policy.force_https) return std::nullopt;
  const std::string_view target = request.target();
  if (target.starts_with(kAcmeChallengePrefix) || target.starts_with(kProvisioningPrefix)) {
    return std::nullopt;
  }

  std::string host = host_without_port(request[beast_http::field::host]);
  if (host.empty()) host = policy.default_host;
  std::string location = "https://" + host;
  if (policy.https_port != 443) location += ":" + std::to_string(policy.https_port);
  location += target.empty() || target.front() != '/' ? std::string("/") : std::string(target);

  Response response{Status::moved_permanently, request.version()};
  response.set(beast_http::field::location, location);
  response.set(beast_http::field::content_type, "text/plain");
  response.body() = "Moved to " + location + "\n";
  return response;
}

void add_hsts(const WebPolicy& policy, Response& response) {
  if (!policy.hsts) return;
  std::string value = "max-age=" + std::to_string(policy.hsts_max_age);
  if (policy.hsts_include_subdomains) value += "; includeSubDomains";
  response.set(beast_http::field::strict_transport_security, value);
}

}  // namespace lockline::http
