// The relay's io_uring loop. Every socket of the worker keeps one multishot receive pending,
// which fills buffers the kernel takes from a ring the worker refills; a forwarded datagram
// leaves from the buffer it arrived in. One io_uring_enter per round submits that round's sends
// and collects the next receives, however many sockets they come from: what epoll pays in
// system calls per packet, this pays per round.
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <system_error>
#include <unordered_map>

#include "media/relay_worker.hpp"

namespace lockline::media::detail {

namespace {

constexpr unsigned kQueueEntries = 1024;
constexpr unsigned kCompletionEntries = 16384;
constexpr unsigned kBuffers = 2048;  // a power of two: what one round's receives can hold
constexpr unsigned kBufferSize = 2048;
constexpr unsigned short kBufferGroup = 0;
// Room for the source address in each buffer, ahead of the payload: sockaddr_in6 rounded up so
// that the payload, after io_uring_recvmsg_out's 16 bytes, starts 16-byte aligned.
constexpr socklen_t kNameRoom = 32;

// What a completion is about, in the low bits of its user_data: a receive's is its SocketTag's
// address (8-byte aligned), a send's the number of the buffer it sends from, shifted.
enum Kind : std::uint64_t { kReceive = 0, kSend = 1, kWake = 2, kCancel = 3 };
constexpr std::uint64_t kKindBits = 3;
constexpr std::uint64_t kKindMask = (1u << kKindBits) - 1;

class UringWorker final : public Worker {
 public:
  UringWorker();  // throws std::system_error when the kernel refuses what the loop needs
  ~UringWorker() override;

  void add(std::shared_ptr<Call> call) override;
  void remove(const std::shared_ptr<Call>& call) override;
  RelayIo io() const override { return RelayIo::io_uring; }

 private:
  // A send in flight: the kernel may read it until its completion.
  struct Send {
    msghdr message{};
    iovec vector{};
    sockaddr_storage destination{};
  };

  int start();  // the ring and its buffers, on the worker thread; 0 or an errno
  void release();
  void run(std::promise<int>& started);
  io_uring_sqe* next_sqe();
  void arm_receive(SocketTag& tag);
  void arm_wake();
  void on_receive(const io_uring_cqe& cqe);
  void forward(SocketTag& tag, unsigned index, int received);
  void give_back(unsigned index);
  std::uint8_t* buffer(unsigned index) {
    return buffers_.data() + std::size_t{index} * kBufferSize;
  }

  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buffer_ring_ = nullptr;
  std::vector<std::uint8_t> buffers_;
  std::vector<Send> sends_;        // by buffer number: a buffer is in one send at most
  int given_back_ = 0;             // buffers added to the ring since it last advanced
  msghdr receive_shape_{};         // the receives' layout: name room, no control data
  std::vector<SocketTag*> rearm_;  // receives that ended on their own, armed again after the round
  // Removed calls whose receives are being cancelled, with the number still to end.
  std::unordered_map<Call*, std::pair<std::shared_ptr<Call>, int>> closing_;
  // Calls whose receives have all ended: closed once the sends already queued from their
  // sockets have gone to the kernel.
  std::vector<std::shared_ptr<Call>> closed_;
};

UringWorker::UringWorker() : buffers_(std::size_t{kBuffers} * kBufferSize), sends_(kBuffers) {
  receive_shape_.msg_namelen = kNameRoom;
  // The ring belongs to the thread that uses it (single issuer, task work deferred to its
  // waits), so it is made there; the constructor waits for the outcome.
  std::promise<int> started;
  auto outcome = started.get_future();
  thread_ = std::thread([this, &started] { run(started); });
  if (const int error = outcome.get(); error != 0) {
    thread_.join();
    throw std::system_error(error, std::system_category(), "relay: io_uring");
  }
}

UringWorker::~UringWorker() {
  stop();
  release();
  for (auto& call : closed_) close_call(*call);
}

void UringWorker::release() {
  if (ring_ready_) io_uring_queue_exit(&ring_);  // ends what is pending, lets go of the sockets
  ring_ready_ = false;
  if (buffer_ring_) ::munmap(buffer_ring_, kBuffers * sizeof(io_uring_buf));
  buffer_ring_ = nullptr;
}

int UringWorker::start() {
  io_uring_params params{};
  // DEFER_TASKRUN (Linux 6.1) also vouches for multishot recvmsg (6.0).
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                 IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = kCompletionEntries;
  if (const int error = io_uring_queue_init_params(kQueueEntries, &ring_, &params); error < 0) {
    return -error;
  }
  ring_ready_ = true;
  void* memory = ::mmap(nullptr, kBuffers * sizeof(io_uring_buf), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return errno;
  buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
  registration.ring_entries = kBuffers;
  registration.bgid = kBufferGroup;
  if (const int error = io_uring_register_buf_ring(&ring_, &registration, 0); error < 0) {
    return -error;
  }
  io_uring_buf_ring_init(buffer_ring_);
  for (unsigned i = 0; i < kBuffers; ++i) give_back(i);
  io_uring_buf_ring_advance(buffer_ring_, given_back_);
  given_back_ = 0;
  arm_wake();
  return 0;
}

void UringWorker::run(std::promise<int>& started) {
  const int error = start();
  if (error != 0) release();
  started.set_value(error);  // the constructor goes on: `started` is gone after this
  if (error != 0) return;
  while (!stopping_.load(std::memory_order_relaxed)) {
    // An error here (EINTR, or EBUSY while completions wait) still leaves a round to do.
    (void)io_uring_submit_and_wait(&ring_, 1);

    bool woken = false;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      switch (cqe->user_data & kKindMask) {
        case kReceive:
          on_receive(*cqe);
          break;
        case kSend:
          give_back(static_cast<unsigned>(cqe->user_data >> kKindBits));
          break;
        case kWake:
          woken = true;
          if ((cqe->flags & IORING_CQE_F_MORE) == 0) arm_wake();
          break;
        default:  // a cancel's own completion: the receive it ended reports separately
          break;
      }
    }
    io_uring_cq_advance(&ring_, seen);
    io_uring_buf_ring_advance(buffer_ring_, given_back_);
    given_back_ = 0;
    for (SocketTag* tag : rearm_) arm_receive(*tag);
    rearm_.clear();
    // Posted work (which may remove a call) runs between rounds, after every completion that
    // points into a call has been handled.
    if (woken) run_posted();
    if (!closed_.empty()) {
      // The sends queued from their sockets go first: a descriptor closed under a queued send
      // could be reused by a new call's socket before the send went out.
      io_uring_submit(&ring_);
      if (io_uring_sq_ready(&ring_) == 0) {
        for (auto& call : closed_) close_call(*call);
        closed_.clear();
      }  // else (the kernel took nothing: out of memory) again after the next round
    }
  }
}

io_uring_sqe* UringWorker::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {  // the queue is full: hand it to the kernel and go on
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringWorker::arm_receive(SocketTag& tag) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recvmsg_multishot(sqe, tag.call->legs[tag.leg].socket(tag), &receive_shape_, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uintptr_t>(&tag) | kReceive);
}

void UringWorker::arm_wake() {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_poll_multishot(sqe, wake_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, kWake);
}

void UringWorker::give_back(unsigned index) {
  io_uring_buf_ring_add(buffer_ring_, buffer(index), kBufferSize,
                        static_cast<unsigned short>(index), io_uring_buf_ring_mask(kBuffers),
                        given_back_++);
}

void UringWorker::on_receive(const io_uring_cqe& cqe) {
  auto& tag = *reinterpret_cast<SocketTag*>(cqe.user_data);
  if ((cqe.flags & IORING_CQE_F_BUFFER) != 0) {
    forward(tag, cqe.flags >> IORING_CQE_BUFFER_SHIFT, cqe.res);
  }
  if ((cqe.flags & IORING_CQE_F_MORE) != 0) return;
  // The receive has ended: cancelled for a removed call, or on its own: ENOBUFS when a round
  // received more than the buffers hold, or a full completion queue (a result >= 0). Those are
  // armed again once this round gave buffers back. Any other error would fail again at once:
  // that socket stays deaf (counted) rather than the loop spinning on it.
  const auto found = closing_.find(tag.call);
  if (found == closing_.end()) {
    if (cqe.res >= 0 || cqe.res == -ENOBUFS) {
      rearm_.push_back(&tag);
    } else {
      count_malformed(tag);
    }
  } else if (--found->second.second == 0) {
    closed_.push_back(std::move(found->second.first));
    closing_.erase(found);
  }
}

void UringWorker::forward(SocketTag& tag, unsigned index, int received) {
  std::uint8_t* const start = buffer(index);
  io_uring_recvmsg_out* out =
      received > 0 ? io_uring_recvmsg_validate(start, received, &receive_shape_) : nullptr;
  if (out == nullptr) {
    give_back(index);
    return;
  }
  auto* payload = static_cast<std::uint8_t*>(io_uring_recvmsg_payload(out, &receive_shape_));
  const std::size_t length = io_uring_recvmsg_payload_length(out, received, &receive_shape_);
  const auto room = static_cast<std::size_t>(start + kBufferSize - payload);
  if ((out->flags & MSG_TRUNC) != 0 || length + SrtpContext::kMaxOverhead > room) {
    count_malformed(tag);
    give_back(index);
    return;
  }
  SocketAddress source;
  source.length = std::min(out->namelen, kNameRoom);
  std::memcpy(&source.storage, io_uring_recvmsg_name(out), source.length);
  const auto forward = forward_datagram(tag, source, payload, length);
  if (!forward) {
    give_back(index);
    return;
  }
  Send& send = sends_[index];
  std::memcpy(&send.destination, forward->destination->get(), forward->destination->length);
  send.vector = {payload, forward->length};
  send.message.msg_name = &send.destination;
  send.message.msg_namelen = forward->destination->length;
  send.message.msg_iov = &send.vector;
  send.message.msg_iovlen = 1;
  io_uring_sqe* sqe = next_sqe();
  // MSG_DONTWAIT: a full socket buffer drops the packet, as in the epoll loop, rather than
  // holding the buffer while the kernel waits for room.
  io_uring_prep_sendmsg(sqe, forward->fd, &send.message, MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, (std::uint64_t{index} << kKindBits) | kSend);
}

void UringWorker::add(std::shared_ptr<Call> call) {
  call->tag_sockets();
  for (auto& tag : call->tags) arm_receive(tag);
  calls_.insert(std::move(call));
}

void UringWorker::remove(const std::shared_ptr<Call>& call) {
  const auto found = calls_.find(call);
  if (found == calls_.end()) return;
  // Every receive of the call is pending (armed in add, or again after this round's end):
  // each ends with one last completion, which closing_ counts down.
  for (auto& tag : call->tags) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, reinterpret_cast<std::uintptr_t>(&tag), 0);
    io_uring_sqe_set_data64(sqe, kCancel);
  }
  closing_.emplace(call.get(), std::pair{call, static_cast<int>(call->tags.size())});
  calls_.erase(found);
}

}  // namespace

std::unique_ptr<Worker> make_uring_worker() { return std::make_unique<UringWorker>(); }

}  // namespace lockline::media::detail
