#pragma once
// The media side of a call leg's offer/answer (RFC 3264): what a phone's SDP says about its
// audio, and the SDP Lockline gives a phone: the relay's address and port for that leg, the
// other phone's codecs (the relay does not transcode), and on an SRTP leg Lockline's own key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "media/sdes.hpp"
#include "media/socket_address.hpp"

namespace lockline::pbx {

// One m-line of a phone's SDP, as an answer must echo it (RFC 3264 §6: as many m-lines, in the
// same order; the ones not taken with port 0).
struct SdpSection {
  std::string kind, protocol, format;
};

struct PhoneMedia {
  std::vector<SdpSection> sections;         // every m-line, in order
  std::size_t audio = 0;                    // the index of the audio section used
  media::SocketAddress address;             // where the phone receives RTP
  bool srtp = false;                        // RTP/SAVP or RTP/SAVPF
  std::optional<media::SdesCrypto> crypto;  // offer: its first usable key; answer: the chosen one
  bool rtcp_mux = false;
  std::vector<std::string> formats;
  std::vector<std::string> attributes;  // codec and direction lines, passed to the other leg
};

// The first audio section of a phone's SDP. An SRTP section without a key Lockline can use is
// an error (for a 488), as is anything but plain or SDES-keyed RTP.
Result<PhoneMedia> read_phone_media(std::string_view body);

// Whether the relay may send a phone's media to `address`: never to a multicast, broadcast,
// unspecified or link-local address, and to loopback only for a phone that is on loopback
// itself (an SDP must not aim the relay at the PBX's own services).
bool media_address_allowed(const media::SocketAddress& address, bool phone_on_loopback);

// The SDP for one phone. `key` makes it RTP/SAVP with a=crypto:<tag>; only ever sent over TLS.
// As an answer (`offer` given): one m-line per m-line of the offer, the others refused.
std::string lockline_sdp(const std::string& address, std::uint16_t port, const PhoneMedia& codecs,
                         const std::optional<media::SrtpMasterKey>& key, unsigned tag,
                         bool rtcp_mux, std::uint64_t version, const PhoneMedia* offer = nullptr);

}  // namespace lockline::pbx
