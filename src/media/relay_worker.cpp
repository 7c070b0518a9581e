#include "media/relay_worker.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace lockline::media::detail {

namespace {

// RFC 5761 §4: on a muxed port, RTCP packet types 192-223 sit where RTP's marker and payload
// type are.
bool looks_like_rtcp(const std::uint8_t* data, std::size_t length) {
  return length >= 2 && data[1] >= 192 && data[1] <= 223;
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

}  // namespace

void close_call(Call& call) {
  for (auto& leg : call.legs) {
    if (leg.rtp_fd >= 0) ::close(leg.rtp_fd);
    if (leg.rtcp_fd >= 0) ::close(leg.rtcp_fd);
    leg.rtp_fd = leg.rtcp_fd = -1;
    if (leg.port != 0 && call.ports) call.ports->give_back(leg.port);
    leg.port = 0;
  }
}

Worker::Worker() : buffers_(kBatch * kSlot) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    received_[i].msg_hdr.msg_name = &sources_[i];
    received_[i].msg_hdr.msg_iov = &vectors_[i];
    received_[i].msg_hdr.msg_iovlen = 1;
    sending_[i].msg_hdr.msg_iovlen = 1;
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("relay: cannot create epoll");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // the wake-up
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  thread_ = std::thread([this] { run(); });
}

Worker::~Worker() {
  stopping_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  run_posted();  // sessions opened or closed since the last round
  for (const auto& call : calls_) close_call(*call);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void Worker::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Worker::run_posted() {
  std::uint64_t count = 0;
  (void)!::read(wake_fd_, &count, sizeof count);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(posted_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void Worker::run() {
  std::array<epoll_event, 256> events;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 1000);
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        woken = true;
      } else {
        on_readable(*static_cast<const SocketTag*>(events[i].data.ptr));
      }
    }
    // Posted work (which may close a call) runs after this round's events, never between
    // an event and the call it points to.
    if (woken) run_posted();
  }
}

void Worker::add(std::shared_ptr<Call> call) {
  for (std::uint8_t leg = 0; leg < MediaSession::kLegs; ++leg) {
    for (const bool rtcp : {false, true}) {
      SocketTag& tag = call->tags[leg * 2 + (rtcp ? 1 : 0)];
      tag = SocketTag{call.get(), leg, rtcp};
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = &tag;
      const int fd = rtcp ? call->legs[leg].rtcp_fd : call->legs[leg].rtp_fd;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    }
  }
  calls_.insert(std::move(call));
}

void Worker::remove(const std::shared_ptr<Call>& call) {
  if (calls_.erase(call) == 0) return;
  for (const auto& leg : call->legs) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, leg.rtp_fd, nullptr);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, leg.rtcp_fd, nullptr);
  }
  close_call(*call);
}

void Worker::apply(Call& call, std::size_t index, LegSetup setup) {
  Leg& leg = call.legs[index];
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

bool Worker::admit(Leg& leg, bool rtcp, const SocketAddress& source, std::uint8_t* data,
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

void Worker::on_readable(const SocketTag& tag) {
  Call& call = *tag.call;
  Leg& from = call.legs[tag.leg];
  Leg& to = call.legs[1 - tag.leg];
  const int fd = tag.rtcp ? from.rtcp_fd : from.rtp_fd;
  for (std::size_t batch = 0; batch < kBatchesPerEvent; ++batch) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors_[i] = {buffers_.data() + i * kSlot, kSlot - SrtpContext::kMaxOverhead};
      received_[i].msg_hdr.msg_namelen = sizeof sources_[i];
    }
    const int n = ::recvmmsg(fd, received_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;  // drained (or an ICMP error for an earlier send)
    std::size_t outgoing = 0;
    for (int i = 0; i < n; ++i) {
      auto* data = static_cast<std::uint8_t*>(vectors_[i].iov_base);
      std::size_t length = received_[i].msg_len;
      if ((received_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        bump(from.counters.malformed);
        continue;
      }
      SocketAddress source;
      std::memcpy(&source.storage, &sources_[i], received_[i].msg_hdr.msg_namelen);
      source.length = received_[i].msg_hdr.msg_namelen;
      const bool rtcp = tag.rtcp || (from.rtcp_mux && looks_like_rtcp(data, length));
      if (!admit(from, rtcp, source, data, length) || !to.configured) continue;
      if (to.outbound) {
        const auto result =
            rtcp ? to.outbound->protect_rtcp(data, length) : to.outbound->protect_rtp(data, length);
        if (result.status != SrtpStatus::ok) continue;
        length = result.length;
      }
      const SocketAddress& destination = to.destination(rtcp);
      if (destination.empty()) continue;
      vectors_[i].iov_len = length;
      msghdr& out = sending_[outgoing].msg_hdr;
      out.msg_name = const_cast<sockaddr*>(destination.get());
      out.msg_namelen = destination.length;
      out.msg_iov = &vectors_[i];
      sending_fd_[outgoing] = rtcp && !to.rtcp_mux ? to.rtcp_fd : to.rtp_fd;
      bump(to.counters.packets_out);
      bump(to.counters.bytes_out, length);
      ++outgoing;
    }
    // One sendmmsg per run of datagrams leaving by the same socket (RTP and muxed RTCP share).
    for (std::size_t start = 0; start < outgoing;) {
      std::size_t end = start + 1;
      while (end < outgoing && sending_fd_[end] == sending_fd_[start]) ++end;
      (void)::sendmmsg(sending_fd_[start], sending_.data() + start,
                       static_cast<unsigned>(end - start), MSG_DONTWAIT);
      start = end;
    }
    if (static_cast<std::size_t>(n) < kBatch) return;
  }
}

}  // namespace lockline::media::detail
