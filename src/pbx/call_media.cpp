#include "pbx/call_media.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "media/sdp.hpp"

namespace lockline::pbx {

namespace {

// Lines about the codecs and the direction of media; the rest (ICE, DTLS, RTCP ports, SSRCs)
// describes the other leg's transport and stays there.
bool passes_to_other_leg(std::string_view attribute) {
  for (std::string_view name : {"rtpmap:", "fmtp:", "ptime:", "maxptime:"}) {
    if (attribute.starts_with(name)) return true;
  }
  return attribute == "sendrecv" || attribute == "sendonly" || attribute == "recvonly" ||
         attribute == "inactive";
}

Error not_acceptable(std::string message) {
  return make_error(std::move(message), "body", ErrorKind::conflict);
}

}  // namespace

Result<PhoneMedia> read_phone_media(std::string_view body) {
  auto sdp = media::parse_sdp(body);
  if (!sdp) return sdp.error();
  const media::SdpMedia* audio = nullptr;
  PhoneMedia media;
  for (const auto& section : sdp->media) {
    if (!audio && section.kind == "audio" && section.port != 0) {
      audio = &section;
      media.audio = media.sections.size();
    }
    media.sections.push_back(
        {section.kind, section.protocol, section.formats.empty() ? "0" : section.formats.front()});
  }
  if (!audio) return not_acceptable("no audio in the SDP");
  if (audio->protocol != "RTP/AVP" && audio->protocol != "RTP/SAVP" &&
      audio->protocol != "RTP/AVPF" && audio->protocol != "RTP/SAVPF") {
    return not_acceptable("media protocol " + audio->protocol + " is not supported");
  }
  const auto* address = sdp->address_of(*audio);
  const auto socket_address =
      address ? media::SocketAddress::from(address->address, audio->port) : std::nullopt;
  if (!socket_address) return not_acceptable("the audio address is not a numeric IP address");
  media.address = *socket_address;
  media.srtp = audio->secure_profile();
  if (media.srtp) {
    if (audio->crypto.empty()) return not_acceptable("no SRTP crypto suite Lockline supports");
    media.crypto = audio->crypto.front();
  }
  media.rtcp_mux = audio->has_attribute("rtcp-mux");
  media.formats = audio->formats;
  for (const auto& attribute : audio->attributes) {
    if (passes_to_other_leg(attribute)) media.attributes.push_back(attribute);
  }
  return media;
}

bool media_address_allowed(const media::SocketAddress& address, bool phone_on_loopback) {
  if (address.family() == AF_INET) {
    const auto ip = ntohl(reinterpret_cast<const sockaddr_in*>(&address.storage)->sin_addr.s_addr);
    const bool multicast = (ip >> 28) == 0xe;
    const bool link_local = (ip >> 16) == 0xa9fe;  // 169.254/16
    const bool loopback = (ip >> 24) == 127;
    if (ip == 0 || ip == 0xffffffff || multicast || link_local) return false;
    return !loopback || phone_on_loopback;
  }
  if (address.family() == AF_INET6) {
    const auto* ip = &reinterpret_cast<const sockaddr_in6*>(&address.storage)->sin6_addr;
    if (IN6_IS_ADDR_UNSPECIFIED(ip) || IN6_IS_ADDR_MULTICAST(ip) || IN6_IS_ADDR_LINKLOCAL(ip)) {
      return false;
    }
    return !IN6_IS_ADDR_LOOPBACK(ip) || phone_on_loopback;
  }
  return false;
}

std::string lockline_sdp(const std::string& address, std::uint16_t port, const PhoneMedia& codecs,
                         const std::optional<media::SrtpMasterKey>& key, unsigned tag,
                         bool rtcp_mux, std::uint64_t version, const PhoneMedia* offer) {
  media::Sdp sdp;
  const std::string type = address.find(':') == std::string::npos ? "IP4" : "IP6";
  // The session id stays for the leg's life (its relay port is its own); the version counts
  // Lockline's SDPs on the leg (RFC 3264 §8).
  sdp.origin = "lockline " + std::to_string(port) + " " + std::to_string(version) + " IN " + type +
               " " + address;
  sdp.session_name = "Lockline";
  sdp.address = media::SdpAddress{type, address};
  sdp.session_lines = {"t=0 0"};
  media::SdpMedia audio;
  audio.kind = "audio";
  audio.port = port;
  audio.protocol = key ? "RTP/SAVP" : "RTP/AVP";
  audio.formats = codecs.formats;
  audio.attributes = codecs.attributes;
  if (rtcp_mux) audio.attributes.push_back("rtcp-mux");
  if (key) audio.crypto.push_back({tag, *key});
  if (!offer) {
    sdp.media.push_back(std::move(audio));
    return media::write_sdp(sdp);
  }
  for (std::size_t i = 0; i < offer->sections.size(); ++i) {
    if (i == offer->audio) {
      sdp.media.push_back(audio);
      continue;
    }
    media::SdpMedia refused;
    refused.kind = offer->sections[i].kind;
    refused.protocol = offer->sections[i].protocol;
    refused.formats = {offer->sections[i].format};
    sdp.media.push_back(std::move(refused));
  }
  return media::write_sdp(sdp);
}

}  // namespace lockline::pbx
