// The relay's epoll loop: level-triggered readiness per socket, recvmmsg and sendmmsg. At 50
// packets/s per socket each wake-up finds one datagram, so this costs two system calls per
// packet; it is the fallback where io_uring is not allowed.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "media/relay_worker.hpp"

namespace lockline::media::detail {

namespace {

class EpollWorker final : public Worker {
 public:
  EpollWorker();
  ~EpollWorker() override;

  void add(std::shared_ptr<Call> call) override;
  void remove(const std::shared_ptr<Call>& call) override;
  RelayIo io() const override { return RelayIo::epoll; }

 private:
  static constexpr std::size_t kBatch = 16;
  // Batches read from one socket per wake-up: a flooded port must not starve the others (the
  // epoll is level-triggered: what is left is reported again).
  static constexpr std::size_t kBatchesPerEvent = 4;
  static constexpr std::size_t kSlot = 2048;  // bytes per datagram, room for SRTP overhead

  void run();
  void on_readable(const SocketTag& tag);

  int epoll_fd_ = -1;
  // The datagrams of one recvmmsg and the sendmmsg after it, set up once: the packet path
  // touches only lengths and destinations.
  std::vector<std::uint8_t> buffers_;
  std::array<mmsghdr, kBatch> received_{};
  std::array<iovec, kBatch> vectors_{};
  std::array<sockaddr_storage, kBatch> sources_{};
  std::array<mmsghdr, kBatch> sending_{};
  std::array<int, kBatch> sending_fd_{};
};

EpollWorker::EpollWorker() : buffers_(kBatch * kSlot) {
  for (std::size_t i = 0; i < kBatch; ++i) {
    received_[i].msg_hdr.msg_name = &sources_[i];
    received_[i].msg_hdr.msg_iov = &vectors_[i];
    received_[i].msg_hdr.msg_iovlen = 1;
    sending_[i].msg_hdr.msg_iovlen = 1;
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::system_category(), "relay: epoll");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // the wake-up
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  thread_ = std::thread([this] { run(); });
}

EpollWorker::~EpollWorker() {
  stop();
  ::close(epoll_fd_);
}

void EpollWorker::run() {
  std::array<epoll_event, 256> events;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
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

void EpollWorker::add(std::shared_ptr<Call> call) {
  call->tag_sockets();
  for (auto& tag : call->tags) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &tag;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, call->legs[tag.leg].socket(tag), &event);
  }
  calls_.insert(std::move(call));
}

void EpollWorker::remove(const std::shared_ptr<Call>& call) {
  if (calls_.erase(call) == 0) return;
  for (const auto& leg : call->legs) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, leg.rtp_fd, nullptr);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, leg.rtcp_fd, nullptr);
  }
  close_call(*call);
}

void EpollWorker::on_readable(const SocketTag& tag) {
  const int fd = tag.call->legs[tag.leg].socket(tag);
  for (std::size_t batch = 0; batch < kBatchesPerEvent; ++batch) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors_[i] = {buffers_.data() + i * kSlot, kSlot - SrtpContext::kMaxOverhead};
      received_[i].msg_hdr.msg_namelen = sizeof sources_[i];
    }
    const int n = ::recvmmsg(fd, received_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;  // drained (or an ICMP error for an earlier send)
    std::size_t outgoing = 0;
    for (int i = 0; i < n; ++i) {
      if ((received_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        count_malformed(tag);
        continue;
      }
      SocketAddress source;
      std::memcpy(&source.storage, &sources_[i], received_[i].msg_hdr.msg_namelen);
      source.length = received_[i].msg_hdr.msg_namelen;
      const auto forward = forward_datagram(
          tag, source, static_cast<std::uint8_t*>(vectors_[i].iov_base), received_[i].msg_len);
      if (!forward) continue;
      vectors_[i].iov_len = forward->length;
      msghdr& out = sending_[outgoing].msg_hdr;
      out.msg_name = const_cast<sockaddr*>(forward->destination->get());
      out.msg_namelen = forward->destination->length;
      out.msg_iov = &vectors_[i];
      sending_fd_[outgoing] = forward->fd;
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

}  // namespace

std::unique_ptr<Worker> make_epoll_worker() { return std::make_unique<EpollWorker>(); }

}  // namespace lockline::media::detail
