#include "sip/response.hpp"

#include <cstdint>

#include "sip/header_values.hpp"
#include "sip/text.hpp"

namespace lockline::sip {

namespace {

std::string_view canonical_name(HeaderId id) {
  switch (id) {
    case HeaderId::via:
      return "Via";
    case HeaderId::from:
      return "From";
    case HeaderId::to:
      return "To";
    case HeaderId::call_id:
      return "Call-ID";
    case HeaderId::cseq:
      return "CSeq";
    default:
      return {};
  }
}

void append_tag(std::string& out, const Message& request) {
  out += ";tag=";
  out += response_tag(request);
}

void append_status_line(std::string& out, int status, std::string_view reason) {
  out += "SIP/2.0 ";
  out += std::to_string(status);
  out += ' ';
  out += reason;
  out += "\r\n";
}

}  // namespace

std::string response_tag(const Message& request) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (auto part : {request.call_id(), request.from()}) {
    for (unsigned char c : part) hash = (hash ^ c) * 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag;
  for (int shift = 60; shift >= 0; shift -= 4) tag.push_back(kHex[(hash >> shift) & 15]);
  return tag;
}

void append_stamped_via(std::string& out, std::string_view value, const Peer& peer) {
  const auto via = parse_via(value);
  if (!via) {  // the parser checked the top Via of a request; keep anything else as it is
    out += value;
    return;
  }
  const auto text_offset = static_cast<std::size_t>(via->text.data() - value.data());
  const auto params_offset = via->params.empty()
                                 ? via->text.size()
                                 : static_cast<std::size_t>(via->params.data() - via->text.data());
  out += via->protocol;
  out += ' ';
  out += trim(via->text.substr(via->protocol.size(), params_offset - via->protocol.size()));
  // Copy the params except the ones we set.
  std::string_view params = via->params;
  while (!params.empty()) {
    const auto next = params.find(';', 1);
    const auto param = trim(params.substr(params.front() == ';' ? 1 : 0,
                                          next == std::string_view::npos ? params.npos : next - 1));
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next);
    const auto name = trim(param.substr(0, param.find('=')));
    if (param.empty() || iequals(name, "rport") || iequals(name, "received")) continue;
    out += ';';
    out += param;
  }
  out += ";received=";
  append_address(out, peer.address);
  if (via->rport) {
    out += ";rport=";
    out += std::to_string(peer.port);
  }
  out += value.substr(text_offset + via->text.size());
}

void build_response(std::string& out, const Message& request, const Peer& peer, int status,
                    std::string_view reason, std::string_view extra_headers,
                    std::string_view body) {
  append_status_line(out, status, reason);
  bool top_via = true;
  for (const auto& h : request.headers()) {
    const auto name = canonical_name(h.id);
    if (name.empty()) continue;
    out += name;
    out += ": ";
    if (h.id == HeaderId::via && top_via) {
      append_stamped_via(out, h.value, peer);
      top_via = false;
    } else {
      out += h.value;
    }
    if (h.id == HeaderId::to && status > 100) {
      const auto to = parse_name_addr(h.value);
      if (to && !find_param(to->params, "tag")) append_tag(out, request);
    }
    out += "\r\n";
  }
  out += extra_headers;
  out += "Content-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
}

std::string build_error_response(std::string_view bytes, std::string_view reason) {
  const auto first_end = bytes.find("\r\n");
  if (first_end == std::string_view::npos || bytes.starts_with("SIP/")) return {};
  std::string headers;
  bool has_via = false;
  std::size_t pos = first_end + 2;
  while (pos < bytes.size()) {
    const auto eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) break;
    const auto line = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = canonical_name(header_id(trim(line.substr(0, colon))));
    const auto value = trim(line.substr(colon + 1));
    if (name.empty() || value.empty()) continue;
    bool clean = true;
    for (char c : value) clean = clean && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    if (!clean) continue;
    has_via = has_via || name == "Via";
    headers += name;
    headers += ": ";
    headers += value;
    headers += "\r\n";
  }
  if (!has_via) return {};
  std::string out;
  append_status_line(out, 400, reason);
  out += headers;
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

Peer reply_destination(const Message& request, const Peer& from) {
  if (is_reliable(from.transport)) return from;
  const auto via = parse_via(request.header(HeaderId::via));
  if (!via || via->rport) return from;
  Peer to = from;
  to.port = via->sent_by.port.value_or(5060);
  return to;
}

}  // namespace lockline::sip
