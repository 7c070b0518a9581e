#include "media/relay_call.hpp"

#include <unistd.h>

#include <cstring>

namespace lockline::media::detail {

namespace {

// RFC 5761 §4: on a muxed port, RTCP packet types 192-223 sit where RTP's marker and payload
// type are.
bool looks_like_rtcp(const std::uint8_t* data, std::size_t length) {
  return length >= 2 && data[1] >= 192 && data[1] <= 223;
}

// RFC 7983 §7: a first byte of 0-3 is STUN; RFC 5389 puts its magic cookie at bytes 4-7.
bool is_stun(const std::uint8_t* data, std::size_t length) {
  return length >= 20 && data[0] < 4 && data[4] == 0x21 && data[5] == 0x12 && data[6] == 0xa4 &&
         data[7] == 0x42;
}

bool rtp_version_2(const std::uint8_t* data, std::size_t length) {
  return length >= 12 && (data[0] >> 6) == 2;
}

void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  // One writer (the worker): a plain load and store, no locked instruction per packet.
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

bool same_key(const std::optional<SrtpMasterKey>& a, const std::optional<SrtpMasterKey>& b) {
  if (!a || !b) return !a && !b;
  return a->suite() == b->suite() && a->bytes().size() == b->bytes().size() &&
         std::memcmp(a->bytes().data(), b->bytes().data(), a->bytes().size()) == 0;
}

// Whether a datagram from source is the phone's, unprotected in place when the leg is SRTP.
bool admit(Leg& leg, bool rtcp, const SocketAddress& source, std::uint8_t* data,
           std::size_t& length) {
  if (!leg.configured) return false;  // no SDP from this phone yet: nothing to check it by
  SocketAddress& latched = rtcp && !leg.rtcp_mux ? leg.latched_rtcp : leg.latched_rtp;
  const bool from_latched = !latched.empty() && latched == source;
  if (!leg.inbound && !from_latched &&
      (!latched.empty() || !(source.same_host(leg.peer_rtp) ||
                             (leg.signalling && source.same_host(*leg.signalling))))) {
    // Plain RTP cannot prove who sent it: keep the first source, and take it only from the
    // phone's own hosts (its SDP's, its SIP's), not from whoever sprays the port range.
    bump(leg.counters.foreign);
    return false;
  }
  if (leg.inbound) {
    const auto result =
        rtcp ? leg.inbound->unprotect_rtcp(data, length) : leg.inbound->unprotect_rtp(data, length);
    switch (result.status) {
      case SrtpStatus::ok:
        length = result.length;
        break;
      case SrtpStatus::unauthentic:
        bump(leg.counters.unauthentic);
        return false;
      case SrtpStatus::replayed:
        bump(leg.counters.replayed);
        return false;
      case SrtpStatus::malformed:
        bump(leg.counters.malformed);
        return false;
    }
  } else if (!(rtcp ? length >= 8 && (data[0] >> 6) == 2 : rtp_version_2(data, length))) {
    bump(leg.counters.malformed);
    return false;
  }
  if (!from_latched) {
    // Symmetric RTP: answer where the phone really sends from (it may be behind NAT). With
    // SRTP an authentic packet from a new address moves the latch (the phone's NAT rebound).
    latched = source;
    if (!rtcp || leg.rtcp_mux) {
      std::lock_guard lock(leg.counters.latched_mutex);
      leg.counters.latched = source.to_string();
    }
  }
  bump(leg.counters.packets_in);
  bump(leg.counters.bytes_in, length);
  return true;
}

}  // namespace

Call::~Call() { close_call(*this); }

void Call::tag_sockets() {
  for (std::uint8_t leg = 0; leg < MediaSession::kLegs; ++leg) {
    tags[leg * 2] = SocketTag{this, leg, false};
    tags[leg * 2 + 1] = SocketTag{this, leg, true};
  }
}

void close_call(Call& call) {
  for (auto& leg : call.legs) {
    if (leg.rtp_fd >= 0) ::close(leg.rtp_fd);
    if (leg.rtcp_fd >= 0) ::close(leg.rtcp_fd);
    leg.rtp_fd = leg.rtcp_fd = -1;
    if (leg.port != 0 && call.ports) call.ports->give_back(leg.port);
    leg.port = 0;
  }
}

void configure_leg(Leg& leg, LegSetup setup) {
  if (!(leg.peer_rtp == setup.peer) || leg.rtcp_mux != setup.rtcp_mux) {
    leg.latched_rtp = leg.latched_rtcp = SocketAddress{};
    std::lock_guard lock(leg.counters.latched_mutex);
    leg.counters.latched.clear();
  }
  leg.peer_rtp = setup.peer;
  leg.peer_rtcp = setup.peer;
  if (setup.peer.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&leg.peer_rtcp.storage)->sin_port =
        htons(static_cast<std::uint16_t>(setup.peer.port() + 1));
  } else if (setup.peer.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&leg.peer_rtcp.storage)->sin6_port =
        htons(static_cast<std::uint16_t>(setup.peer.port() + 1));
  }
  leg.rtcp_mux = setup.rtcp_mux;
  leg.signalling = setup.signalling;
  if (!same_key(leg.peer_key, setup.peer_key)) {
    leg.inbound = setup.peer_key ? std::make_unique<SrtpContext>(*setup.peer_key) : nullptr;
    leg.peer_key = std::move(setup.peer_key);
  }
  if (!same_key(leg.own_key, setup.own_key)) {
    leg.outbound = setup.own_key ? std::make_unique<SrtpContext>(*setup.own_key) : nullptr;
    leg.own_key = std::move(setup.own_key);
  }
  leg.configured = true;
}

std::optional<Forward> forward_datagram(const SocketTag& tag, const SocketAddress& source,
                                        std::uint8_t* data, std::size_t length) {
  // Phones doing ICE (linphone) send STUN binding requests to the media ports: not media, and
  // not malformed; dropped without a count (Lockline offers no ICE candidates to check).
  if (is_stun(data, length)) return std::nullopt;
  Leg& from = tag.call->legs[tag.leg];
  Leg& to = tag.call->legs[1 - tag.leg];
  const bool rtcp = tag.rtcp || (from.rtcp_mux && looks_like_rtcp(data, length));
  if (!admit(from, rtcp, source, data, length) || !to.configured) return std::nullopt;
  if (to.outbound) {
    const auto result =
        rtcp ? to.outbound->protect_rtcp(data, length) : to.outbound->protect_rtp(data, length);
    if (result.status != SrtpStatus::ok) return std::nullopt;
    length = result.length;
  }
  const SocketAddress& destination = to.destination(rtcp);
  if (destination.empty()) return std::nullopt;
  bump(to.counters.packets_out);
  bump(to.counters.bytes_out, length);
  return Forward{rtcp && !to.rtcp_mux ? to.rtcp_fd : to.rtp_fd, &destination, length};
}

void count_malformed(const SocketTag& tag) { bump(tag.call->legs[tag.leg].counters.malformed); }

}  // namespace lockline::media::detail
