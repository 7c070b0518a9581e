#include "acme/url.hpp"

namespace lockline::acme {

Result<Url> parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return make_error("not a URL: " + std::string(text));
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return make_error("only http and https URLs: " + std::string(text));
  }
  auto rest = text.substr(scheme_end + 3);
  const auto path = rest.find('/');
  auto authority = rest.substr(0, path);
  url.target = path == std::string_view::npos ? "/" : std::string(rest.substr(path));
  url.port = url.scheme == "https" ? "443" : "80";
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return make_error("bad IPv6 literal in " + std::string(text));
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      url.port = std::string(authority.substr(close + 2));
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) url.port = std::string(authority.substr(colon + 1));
  }
  if (url.host.empty() || url.port.empty() || url.host.find('@') != std::string::npos) {
    return make_error("bad host in " + std::string(text));
  }
  return url;
}

}  // namespace lockline::acme
