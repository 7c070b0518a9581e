#pragma once
// Inside the relay (include only from media/): the worker threads that own calls and move their
// packets. Two I/O loops do the same work (relay_call.hpp): io_uring, which takes the receives
// and sends of every socket of the worker in one system call per round, where the kernel allows
// it; else epoll with recvmmsg/sendmmsg, two system calls per packet at telephony rates.
#include "media/relay.hpp"
#include "media/relay_call.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace lockline::media::detail {

class Worker {
 public:
  virtual ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs fn on the worker thread, after the packets already waiting.
  void post(std::function<void()> fn);
  // Called on the worker thread (through post).
  virtual void add(std::shared_ptr<Call> call) = 0;
  virtual void remove(const std::shared_ptr<Call>& call) = 0;

  virtual RelayIo io() const = 0;

 protected:
  Worker();
  void run_posted();  // reads the wake-up, runs what was posted (worker thread)
  void wake();
  // For the derived class's destructor, while its members still live: ends the thread.
  void stop();

  int wake_fd_ = -1;  // an eventfd, readable when something was posted
  std::atomic<bool> stopping_{false};
  std::unordered_set<std::shared_ptr<Call>> calls_;
  std::thread thread_;

 private:
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
};

// The worker for io (automatic: io_uring, else epoll). Throws std::system_error when the one
// asked for cannot start.
std::unique_ptr<Worker> make_worker(RelayIo io);
std::unique_ptr<Worker> make_epoll_worker();
std::unique_ptr<Worker> make_uring_worker();

}  // namespace lockline::media::detail
