#include "core/deadline.hpp"

namespace lockline {

Deadline::Deadline(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<State>(socket)) {}

Deadline::~Deadline() {
  state_->socket = nullptr;
  state_->timer.cancel();
}

void Deadline::expires_after(Clock::duration duration) {
  state_->deadline = Clock::now() + duration;
  if (!state_->armed) arm(state_);
}

void Deadline::arm(const std::shared_ptr<State>& state) {
  state->armed = true;
  state->timer.expires_at(state->deadline);
  state->timer.async_wait([state](const boost::system::error_code& ec) {
    state->armed = false;
    if (ec || !state->socket) return;
    if (Clock::now() < state->deadline) {
      arm(state);
      return;
    }
    // Shut down rather than close: the descriptor number must not be reused while a TLS
    // object still refers to it.
    state->expired = true;
    boost::system::error_code ignored;
    state->socket->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    state->socket->cancel(ignored);
  });
}

}  // namespace lockline
