#pragma once
// Session descriptions (RFC 8866) as the B2BUA needs them: each media section's address, port,
// protocol, formats and attributes, with SDES keys (RFC 4568) read out of the attributes.
// Written back in the same model, so a leg's offer is built, not patched.
#include "core/result.hpp"
#include "media/sdes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockline::media {

struct SdpAddress {
  std::string type = "IP4";  // IP4 or IP6
  std::string address;
};

struct SdpMedia {
  std::string kind;  // audio, video, ...
  std::uint16_t port = 0;
  std::string protocol;  // RTP/AVP, RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, ...
  std::vector<std::string> formats;
  std::optional<SdpAddress> address;     // the section's own c= line
  std::vector<std::string> attributes;   // "rtpmap:0 PCMU/8000", without "a=" and a=crypto
  std::vector<std::string> other_lines;  // i=, b=, k= lines, whole
  std::vector<SdesCrypto> crypto;        // usable a=crypto keys, in the writer's order
  std::size_t refused_crypto = 0;        // a=crypto lines that could not be used

  bool has_attribute(std::string_view name) const;  // "rtcp-mux", "sendonly", ...
  bool secure_profile() const;                      // RTP/SAVP(F)
};

struct Sdp {
  std::string origin;        // o= value
  std::string session_name;  // s= value
  std::optional<SdpAddress> address;
  std::vector<std::string> session_lines;  // t=, b=, a= and the rest at session level, whole
  std::vector<SdpMedia> media;

  // Where a section's media goes: its own c= line, else the session's.
  const SdpAddress* address_of(const SdpMedia& media) const;
};

// Limits that keep a description from costing more than a call is worth.
inline constexpr std::size_t kMaxSdpBytes = 16 * 1024;
inline constexpr std::size_t kMaxSdpMedia = 8;
inline constexpr std::size_t kMaxSdpAttributes = 64;  // per section
inline constexpr std::size_t kMaxSdpFormats = 32;     // per section

Result<Sdp> parse_sdp(std::string_view text);
std::string write_sdp(const Sdp& sdp);

}  // namespace lockline::media
