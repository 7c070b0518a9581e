#pragma once
// Typed readers for the header values the SIP layers use (RFC 3261 §20, §25): lists, params,
// Via, SIP URIs, name-addr, digest credentials. Views point into the message; nothing is
// parsed until asked for.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lockline::sip {

// The comma-separated elements of a header value, commas inside quotes or <...> not counting.
std::vector<std::string_view> split_list(std::string_view value);
// The first element only (the top Via of a line, say).
std::string_view first_element(std::string_view value);

// A parameter from ";name=value;flag" (name case-insensitive): the value without quotes, an
// empty view for a flag, nullopt when absent.
std::optional<std::string_view> find_param(std::string_view params, std::string_view name);

struct HostPort {
  std::string_view host;  // hostname, IPv4, or "[IPv6]" with its brackets
  std::optional<std::uint16_t> port;
};
// host [":" port], with the host checked against RFC 3261's hostport grammar.
std::optional<HostPort> parse_hostport(std::string_view text);

struct Via {
  std::string_view protocol;   // "SIP/2.0/UDP"
  std::string_view transport;  // "UDP", "TCP", "TLS", ...
  HostPort sent_by;
  std::string_view params;  // ";branch=...;rport" as written
  std::string_view branch;
  bool rport = false;
  std::string_view text;  // the whole via-parm
};
// The first via-parm of a Via header value.
std::optional<Via> parse_via(std::string_view value);

struct SipUri {
  bool secure = false;  // sips:
  std::string user;     // %HH escapes decoded
  HostPort host;
  std::string_view params;   // ";transport=tcp" as written
  std::string_view headers;  // "?..." as written
};
Result<SipUri> parse_sip_uri(std::string_view text);

struct NameAddr {
  bool star = false;  // Contact: *
  std::string display;
  std::string_view uri;
  std::string_view params;  // the header's params (";tag=...", ";expires=..."), not the URI's
};
Result<NameAddr> parse_name_addr(std::string_view element);

// The value of a quoted-string with its escapes undone, or a token as it is.
std::string unquote(std::string_view text);

struct DigestCredentials {
  std::string username, realm, nonce, uri, response, algorithm, cnonce, opaque, qop, nc;
};
Result<DigestCredentials> parse_digest_credentials(std::string_view value);

}  // namespace lockline::sip
