#include "media/relay_worker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace lockline::media::detail {

Worker::Worker() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::system_error(errno, std::system_category(), "relay: eventfd");
}

Worker::~Worker() {
  // The thread has ended (stop()): what is left only closes its sockets (~Call).
  posted_.clear();
  calls_.clear();
  ::close(wake_fd_);
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
}

void Worker::wake() {
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Worker::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  wake();
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

std::unique_ptr<Worker> make_worker(RelayIo io) {
  if (io != RelayIo::epoll) {
    try {
      return make_uring_worker();
    } catch (const std::system_error&) {
      // A kernel without io_uring, or one that forbids it (kernel.io_uring_disabled, seccomp).
      if (io == RelayIo::io_uring) throw;
    }
  }
  return make_epoll_worker();
}

}  // namespace lockline::media::detail
