#include "media/sdp.hpp"

#include <charconv>

namespace lockline::media {

namespace {

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = text.find(' ');
    out.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return out;
}

Error sdp_error(std::string message) { return make_error("SDP: " + message, "body"); }

Result<SdpAddress> parse_connection(std::string_view value) {
  const auto parts = words(value);
  if (parts.size() != 3 || parts[0] != "IN" || (parts[1] != "IP4" && parts[1] != "IP6")) {
    return sdp_error("c= line is not \"IN IP4|IP6 address\"");
  }
  // Multicast "address/ttl" forms have no place in a phone call.
  if (parts[2].find('/') != std::string_view::npos) return sdp_error("multicast c= address");
  return SdpAddress{std::string(parts[1]), std::string(parts[2])};
}

Result<SdpMedia> parse_media_line(std::string_view value) {
  const auto parts = words(value);
  if (parts.size() < 4) return sdp_error("m= line needs media, port, protocol and formats");
  if (parts.size() - 3 > kMaxSdpFormats) return sdp_error("too many formats in an m= line");
  SdpMedia media;
  media.kind = std::string(parts[0]);
  auto port_text = parts[1];
  if (const auto slash = port_text.find('/'); slash != std::string_view::npos) {
    port_text = port_text.substr(0, slash);  // "port/count": only the first port is used
  }
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return sdp_error("m= port is not a number from 0 to 65535");
  }
  media.port = static_cast<std::uint16_t>(port);
  media.protocol = std::string(parts[2]);
  for (std::size_t i = 3; i < parts.size(); ++i) media.formats.emplace_back(parts[i]);
  return media;
}

}  // namespace

bool SdpMedia::has_attribute(std::string_view name) const {
  for (const auto& attribute : attributes) {
    if (attribute == name || (attribute.size() > name.size() && attribute.starts_with(name) &&
                              attribute[name.size()] == ':')) {
      return true;
    }
  }
  return false;
}

bool SdpMedia::secure_profile() const { return protocol.find("SAVP") != std::string::npos; }

const SdpAddress* Sdp::address_of(const SdpMedia& section) const {
  if (section.address) return &*section.address;
  return address ? &*address : nullptr;
}

Result<Sdp> parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return sdp_error("larger than 16 KiB");
  Sdp sdp;
  bool first = true;
  bool have_origin = false;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return sdp_error("a line is not \"<letter>=<value>\"");
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (first) {
      if (type != 'v' || value != "0") return sdp_error("does not start with v=0");
      first = false;
      continue;
    }
    SdpMedia* media = sdp.media.empty() ? nullptr : &sdp.media.back();
    switch (type) {
      case 'v':
        return sdp_error("a second v= line");
      case 'o':
        if (media || have_origin) return sdp_error("o= line out of place");
        sdp.origin = std::string(value);
        have_origin = true;
        break;
      case 's':
        if (!media) sdp.session_name = std::string(value);
        break;
      case 'c': {
        auto address = parse_connection(value);
        if (!address) return address.error();
        (media ? media->address : sdp.address) = std::move(address.value());
        break;
      }
      case 'm': {
        if (sdp.media.size() == kMaxSdpMedia) return sdp_error("more than 8 media sections");
        auto parsed = parse_media_line(value);
        if (!parsed) return parsed.error();
        sdp.media.push_back(std::move(parsed.value()));
        break;
      }
      case 'a':
        if (!media) {
          sdp.session_lines.emplace_back(line);
        } else if (media->attributes.size() + media->crypto.size() + media->refused_crypto >=
                   kMaxSdpAttributes) {
          return sdp_error("more than 64 attributes in a media section");
        } else if (value.starts_with("crypto:")) {
          auto parsed = parse_sdes(value.substr(7));
          if (parsed.crypto) {
            media->crypto.push_back(std::move(*parsed.crypto));
          } else {
            ++media->refused_crypto;
          }
        } else {
          media->attributes.emplace_back(value);
        }
        break;
      default:
        if (!media) {
          if (sdp.session_lines.size() >= kMaxSdpAttributes) {
            return sdp_error("more than 64 session-level lines");
          }
          sdp.session_lines.emplace_back(line);
        } else {
          if (media->other_lines.size() >= kMaxSdpAttributes) {
            return sdp_error("more than 64 lines in a media section");
          }
          media->other_lines.emplace_back(line);
        }
    }
  }
  if (first) return sdp_error("empty");
  if (!have_origin) return sdp_error("no o= line");
  for (const auto& section : sdp.media) {
    if (section.port != 0 && !sdp.address_of(section)) {
      return sdp_error("a media section has no c= address");
    }
  }
  return sdp;
}

std::string write_sdp(const Sdp& sdp) {
  std::string out = "v=0\r\no=" + sdp.origin +
                    "\r\ns=" + (sdp.session_name.empty() ? std::string("-") : sdp.session_name) +
                    "\r\n";
  // RFC 8866 §5 orders the lines: those of types in before_address come ahead of c=.
  auto write_lines = [&out](const std::vector<std::string>& lines, std::string_view before_address,
                            bool ahead) {
    for (const auto& line : lines) {
      if ((before_address.find(line[0]) != std::string_view::npos) == ahead) out += line + "\r\n";
    }
  };
  auto write_address = [&out](const std::optional<SdpAddress>& address) {
    if (address) out += "c=IN " + address->type + " " + address->address + "\r\n";
  };
  write_lines(sdp.session_lines, "iuep", true);
  write_address(sdp.address);
  write_lines(sdp.session_lines, "iuep", false);
  for (const auto& media : sdp.media) {
    out += "m=" + media.kind + " " + std::to_string(media.port) + " " + media.protocol;
    for (const auto& format : media.formats) out += " " + format;
    out += "\r\n";
    write_lines(media.other_lines, "i", true);
    write_address(media.address);
    write_lines(media.other_lines, "i", false);
    for (const auto& crypto : media.crypto) {
      out += "a=crypto:" + format_sdes(crypto.tag, crypto.key) + "\r\n";
    }
    for (const auto& attribute : media.attributes) out += "a=" + attribute + "\r\n";
  }
  return out;
}

}  // namespace lockline::media
