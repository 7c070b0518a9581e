#include "sip/header_values.hpp"

#include "sip/text.hpp"

namespace lockline::sip {

namespace {

// The index just past the quoted-string starting at text[start] == '"', or npos if unclosed.
std::size_t skip_quoted(std::string_view text, std::size_t start) {
  for (std::size_t i = start + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr int hex_value(char c) { return is_digit(c) ? c - '0' : (ascii_lower(c) - 'a' + 10); }

// unreserved and user-unreserved (RFC 3261 §25.1), plus the escapes handled by the caller.
constexpr bool is_user_char(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '!':
    case '~':
    case '*':
    case '\'':
    case '(':
    case ')':
    case '&':
    case '=':
    case '+':
    case '$':
    case ',':
    case ';':
    case '?':
    case '/':
      return true;
    default:
      return false;
  }
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool valid_ipv6_reference(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  for (char c : host.substr(1, host.size() - 2)) {
    if (!is_hex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

Error malformed(std::string what) { return make_error("Malformed " + std::move(what)); }

}  // namespace

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> elements;
  std::size_t start = 0;
  int angle = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size()) {
      const char c = value[i];
      if (c == '"') {
        const auto end = skip_quoted(value, i);
        if (end == std::string_view::npos) break;
        i = end - 1;
        continue;
      }
      if (c == '<') ++angle;
      if (c == '>' && angle > 0) --angle;
      if (c != ',' || angle > 0) continue;
    }
    const auto element = trim(value.substr(start, i - start));
    if (!element.empty()) elements.push_back(element);
    start = i + 1;
  }
  return elements;
}

std::string_view first_element(std::string_view value) {
  int angle = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') {
      const auto end = skip_quoted(value, i);
      if (end == std::string_view::npos) break;
      i = end - 1;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>' && angle > 0) {
      --angle;
    } else if (c == ',' && angle == 0) {
      return trim(value.substr(0, i));
    }
  }
  return trim(value);
}

std::optional<std::string_view> find_param(std::string_view params, std::string_view name) {
  std::size_t i = 0;
  while (i < params.size()) {
    while (i < params.size() && (is_space(params[i]) || params[i] == ';')) ++i;
    const auto name_start = i;
    while (i < params.size() && params[i] != '=' && params[i] != ';') ++i;
    const auto param_name = trim(params.substr(name_start, i - name_start));
    std::string_view value;
    if (i < params.size() && params[i] == '=') {
      ++i;
      while (i < params.size() && is_space(params[i])) ++i;
      const auto value_start = i;
      if (i < params.size() && params[i] == '"') {
        const auto end = skip_quoted(params, i);
        if (end == std::string_view::npos) return std::nullopt;
        value = params.substr(value_start + 1, end - value_start - 2);
        i = end;
      } else {
        while (i < params.size() && params[i] != ';') ++i;
        value = trim(params.substr(value_start, i - value_start));
      }
    }
    if (!param_name.empty() && iequals(param_name, name)) return value;
  }
  return std::nullopt;
}

std::optional<HostPort> parse_hostport(std::string_view text) {
  HostPort result;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    result.host = text.substr(0, close + 1);
    if (!valid_ipv6_reference(result.host)) return std::nullopt;
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    result.host = text.substr(0, colon);
    if (!valid_hostname(result.host)) return std::nullopt;
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    const auto port = parse_uint(rest.substr(1), 65535);
    if (!port || *port == 0) return std::nullopt;
    result.port = static_cast<std::uint16_t>(*port);
  }
  return result;
}

std::optional<Via> parse_via(std::string_view value) {
  Via via;
  via.text = first_element(value);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (LWS allowed around /)
  const auto slash1 = via.text.find('/');
  if (slash1 == std::string_view::npos) return std::nullopt;
  const auto slash2 = via.text.find('/', slash1 + 1);
  if (slash2 == std::string_view::npos) return std::nullopt;
  if (!iequals(trim(via.text.substr(0, slash1)), "SIP") ||
      trim(via.text.substr(slash1 + 1, slash2 - slash1 - 1)) != "2.0") {
    return std::nullopt;
  }
  auto i = slash2 + 1;
  while (i < via.text.size() && is_space(via.text[i])) ++i;
  const auto transport_start = i;
  while (i < via.text.size() && is_token_char(via.text[i])) ++i;
  via.transport = via.text.substr(transport_start, i - transport_start);
  if (via.transport.empty() || i == via.text.size() || !is_space(via.text[i])) {
    return std::nullopt;
  }
  via.protocol = via.text.substr(0, i);
  const auto semicolon = via.text.find(';', i);
  const auto sent_by = parse_hostport(trim(via.text.substr(i, semicolon - i)));
  if (!sent_by) return std::nullopt;
  via.sent_by = *sent_by;
  if (semicolon != std::string_view::npos) via.params = via.text.substr(semicolon);
  via.branch = find_param(via.params, "branch").value_or(std::string_view{});
  via.rport = find_param(via.params, "rport").has_value();
  return via;
}

Result<SipUri> parse_sip_uri(std::string_view text) {
  SipUri uri;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return malformed("URI");
  const auto scheme = text.substr(0, colon);
  if (iequals(scheme, "sips")) {
    uri.secure = true;
  } else if (!iequals(scheme, "sip")) {
    return make_error("Unsupported URI Scheme");
  }
  auto rest = text.substr(colon + 1);
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    auto user = rest.substr(0, at);
    user = user.substr(0, user.find(':'));  // drop a password
    if (user.empty()) return malformed("URI User");
    uri.user.reserve(user.size());
    for (std::size_t i = 0; i < user.size(); ++i) {
      if (user[i] == '%') {
        if (i + 2 >= user.size() || !is_hex(user[i + 1]) || !is_hex(user[i + 2])) {
          return malformed("URI Escape");
        }
        uri.user.push_back(char(hex_value(user[i + 1]) * 16 + hex_value(user[i + 2])));
        i += 2;
      } else if (is_user_char(user[i])) {
        uri.user.push_back(user[i]);
      } else {
        return malformed("URI User");
      }
    }
    rest = rest.substr(at + 1);
  }
  const auto question = rest.find('?');
  if (question != std::string_view::npos) {
    uri.headers = rest.substr(question);
    rest = rest.substr(0, question);
  }
  // An IPv6 reference holds colons but no semicolons, so the first ';' ends the hostport.
  const auto semicolon = rest.find(';');
  if (semicolon != std::string_view::npos) {
    uri.params = rest.substr(semicolon);
    rest = rest.substr(0, semicolon);
  }
  const auto host = parse_hostport(rest);
  if (!host) return malformed("URI Host");
  uri.host = *host;
  return uri;
}

Result<NameAddr> parse_name_addr(std::string_view element) {
  NameAddr result;
  element = trim(element);
  if (element == "*") {
    result.star = true;
    return result;
  }
  std::size_t i = 0;
  if (!element.empty() && element.front() == '"') {
    const auto end = skip_quoted(element, 0);
    if (end == std::string_view::npos) return malformed("Display Name");
    result.display = unquote(element.substr(0, end));
    i = end;
  }
  const auto open = element.find('<', i);
  if (open != std::string_view::npos) {
    if (i == 0) result.display = std::string(trim(element.substr(0, open)));
    const auto close = element.find('>', open);
    if (close == std::string_view::npos) return malformed("Name-Addr");
    result.uri = trim(element.substr(open + 1, close - open - 1));
    result.params = trim(element.substr(close + 1));
  } else {
    if (i != 0) return malformed("Name-Addr");
    // addr-spec without brackets: what follows ';' belongs to the header (RFC 3261 §20.10).
    const auto semicolon = element.find(';');
    result.uri = trim(element.substr(0, semicolon));
    if (semicolon != std::string_view::npos) result.params = element.substr(semicolon);
  }
  if (result.uri.empty()) return malformed("Name-Addr");
  if (!result.params.empty() && result.params.front() != ';') return malformed("Name-Addr");
  return result;
}

std::string unquote(std::string_view text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::string(text);
  std::string out;
  out.reserve(text.size() - 2);
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size()) ++i;
    out.push_back(text[i]);
  }
  return out;
}

Result<DigestCredentials> parse_digest_credentials(std::string_view value) {
  value = trim(value);
  constexpr std::string_view kScheme = "Digest";
  if (value.size() <= kScheme.size() || !iequals(value.substr(0, kScheme.size()), kScheme) ||
      !is_space(value[kScheme.size()])) {
    return make_error("Unsupported Authorization Scheme");
  }
  DigestCredentials credentials;
  for (const auto element : split_list(value.substr(kScheme.size()))) {
    const auto equals = element.find('=');
    if (equals == std::string_view::npos) return malformed("Authorization");
    const auto name = trim(element.substr(0, equals));
    const auto raw = trim(element.substr(equals + 1));
    if (raw.empty()) return malformed("Authorization");
    std::string* field = nullptr;
    if (iequals(name, "username"))
      field = &credentials.username;
    else if (iequals(name, "realm"))
      field = &credentials.realm;
    else if (iequals(name, "nonce"))
      field = &credentials.nonce;
    else if (iequals(name, "uri"))
      field = &credentials.uri;
    else if (iequals(name, "response"))
      field = &credentials.response;
    else if (iequals(name, "algorithm"))
      field = &credentials.algorithm;
    else if (iequals(name, "cnonce"))
      field = &credentials.cnonce;
    else if (iequals(name, "opaque"))
      field = &credentials.opaque;
    else if (iequals(name, "qop"))
      field = &credentials.qop;
    else if (iequals(name, "nc"))
      field = &credentials.nc;
    if (field == nullptr) continue;  // auth-param extensions are ignored
    if (!field->empty()) return make_error("Duplicate Authorization Parameter");
    *field = unquote(raw);
    if (field->empty()) return malformed("Authorization");
  }
  if (credentials.username.empty() || credentials.realm.empty() || credentials.nonce.empty() ||
      credentials.uri.empty() || credentials.response.empty()) {
    return make_error("Incomplete Authorization");
  }
  return credentials;
}

}  // namespace lockline::sip
