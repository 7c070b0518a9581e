#pragma once
// Inside the relay (include only from media/): a call's legs as the packet path sees them, and
// the worker thread that owns them: one epoll loop, recvmmsg/sendmmsg in batches.
#include "media/port_range.hpp"
#include "media/relay.hpp"
#include "media/socket_address.hpp"
#include "media/srtp_context.hpp"

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace lockline::media::detail {

// Written by the worker, read by anyone: relaxed atomics, one writer each.
struct LegCounters {
  std::atomic<std::uint64_t> packets_in{0}, bytes_in{0}, packets_out{0}, bytes_out{0};
  std::atomic<std::uint64_t> unauthentic{0}, replayed{0}, malformed{0}, foreign{0};
  mutable std::mutex latched_mutex;  // taken when a leg latches, and by stats()
  std::string latched;
};

// Where the epoll event for one socket points.
struct SocketTag {
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

  const SocketAddress& destination(bool rtcp) const {
    if (rtcp && !rtcp_mux) return latched_rtcp.empty() ? peer_rtcp : latched_rtcp;
    return latched_rtp.empty() ? peer_rtp : latched_rtp;
  }
};

struct Call {
  std::array<Leg, MediaSession::kLegs> legs;
  std::array<SocketTag, 2 * MediaSession::kLegs> tags;
  PortPairs* ports = nullptr;
};

class Worker {
 public:
  Worker();
  ~Worker();  // stops and joins the thread, closes what is left
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs fn on the worker thread, after the packets already waiting.
  void post(std::function<void()> fn);
  // Called on the worker thread (through post).
  void add(std::shared_ptr<Call> call);
  void remove(const std::shared_ptr<Call>& call);
  void apply(Call& call, std::size_t leg, LegSetup setup);

 private:
  static constexpr std::size_t kBatch = 16;
  // Batches read from one socket per wake-up: a flooded port must not starve the others (the
  // epoll is level-triggered: what is left is reported again).
  static constexpr std::size_t kBatchesPerEvent = 4;
  static constexpr std::size_t kSlot = 2048;  // bytes per datagram, room for SRTP overhead

  void run();
  void run_posted();
  void on_readable(const SocketTag& tag);
  bool admit(Leg& leg, bool rtcp, const SocketAddress& source, std::uint8_t* data,
             std::size_t& length);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::unordered_set<std::shared_ptr<Call>> calls_;
  // The datagrams of one recvmmsg and the sendmmsg after it, set up once: the packet path
  // touches only lengths and destinations.
  std::vector<std::uint8_t> buffers_;
  std::array<mmsghdr, kBatch> received_{};
  std::array<iovec, kBatch> vectors_{};
  std::array<sockaddr_storage, kBatch> sources_{};
  std::array<mmsghdr, kBatch> sending_{};
  std::array<int, kBatch> sending_fd_{};
  std::thread thread_;
};

// Closes a call's sockets and returns its ports (worker thread, or before it has any).
void close_call(Call& call);

}  // namespace lockline::media::detail
