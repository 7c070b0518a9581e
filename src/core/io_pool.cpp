#include "core/io_pool.hpp"

#include <spdlog/spdlog.h>

namespace lockline {

IoPool::IoPool(std::size_t threads) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoPool::~IoPool() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void IoPool::run() {
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads_.emplace_back([context = contexts_[i].get()] { context->run(); });
  }
  contexts_.front()->run();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void IoPool::stop() {
  guards_.clear();
  for (auto& context : contexts_) context->stop();
}

}  // namespace lockline
