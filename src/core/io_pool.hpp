#pragma once
// One io_context per thread: each connection lives on one thread, so its handlers never race
// and never need a strand.
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace lockline {

class IoPool {
 public:
  explicit IoPool(std::size_t threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  boost::asio::io_context& main() { return *contexts_.front(); }
  boost::asio::io_context& at(std::size_t index) { return *contexts_[index]; }
  std::size_t size() const { return contexts_.size(); }

  // Runs every context, the first on the calling thread; returns after stop().
  void run();
  void stop();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace lockline
