#pragma once
// Inside the relay (include only from media/): a call's legs as the packet path sees them, and
// what happens to one datagram arriving on a leg. Both I/O loops (relay_worker.hpp) share it.
#include "media/port_range.hpp"
#include "media/relay.hpp"
#include "media/socket_address.hpp"
#include "media/srtp_context.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace lockline::media::detail {

// Written by the worker, read by anyone: relaxed atomics, one writer each.
struct LegCounters {
  std::atomic<std::uint64_t> packets_in{0}, bytes_in{0}, packets_out{0}, bytes_out{0};
  std::atomic<std::uint64_t> unauthentic{0}, replayed{0}, malformed{0}, foreign{0};
  mutable std::mutex latched_mutex;  // taken when a leg latches, and by stats()
  std::string latched;
};

// Where the I/O loop's event or completion for one socket points.
struct alignas(8) SocketTag {
  Call* call = nullptr;
  std::uint8_t leg = 0;
  bool rtcp = false;
};

struct Leg {
  // Set when the session opens, then constant.
  int rtp_fd = -1;
  int rtcp_fd = -1;
  std::uint16_t port = 0;
  // Owned by the worker thread.
  bool configured = false;
  bool rtcp_mux = false;
  SocketAddress peer_rtp, peer_rtcp;        // from the SDP
  std::optional<SocketAddress> signalling;  // the phone's SIP source
  SocketAddress latched_rtp, latched_rtcp;  // from the packets; empty until latched
  std::optional<SrtpMasterKey> peer_key, own_key;
  std::unique_ptr<SrtpContext> inbound;   // unprotects what the phone sends
  std::unique_ptr<SrtpContext> outbound;  // protects what Lockline sends it
  LegCounters counters;

  int socket(const SocketTag& tag) const { return tag.rtcp ? rtcp_fd : rtp_fd; }
  const SocketAddress& destination(bool rtcp) const {
    if (rtcp && !rtcp_mux) return latched_rtcp.empty() ? peer_rtcp : latched_rtcp;
    return latched_rtp.empty() ? peer_rtp : latched_rtp;
  }
};

struct Call {
  Call() = default;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call();  // closes what is still open

  std::array<Leg, MediaSession::kLegs> legs;
  std::array<SocketTag, 2 * MediaSession::kLegs> tags;  // set by tag_sockets()
  PortPairs* ports = nullptr;

  void tag_sockets();
};

// Closes a call's sockets and returns its ports (worker thread, or before it has any).
void close_call(Call& call);

// The first setup of a leg or a re-INVITE's (worker thread).
void configure_leg(Leg& leg, LegSetup setup);

struct Forward {
  int fd = -1;                                 // the relay's socket it leaves by
  const SocketAddress* destination = nullptr;  // the other phone
  std::size_t length = 0;
};

// One datagram received on tag's socket from source, in data[0, length) with
// SrtpContext::kMaxOverhead bytes of room after it: checked, unprotected, and protected again
// in place under the other leg's keys. Where to send it, or nothing when it is dropped (and
// counted). Counts it as sent.
std::optional<Forward> forward_datagram(const SocketTag& tag, const SocketAddress& source,
                                        std::uint8_t* data, std::size_t length);

// A datagram too long for the receive buffer, or a receive that failed: counted as malformed.
void count_malformed(const SocketTag& tag);

}  // namespace lockline::media::detail
