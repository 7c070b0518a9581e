#include "media/relay.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "media/relay_worker.hpp"

namespace lockline::media {

namespace {

// A non-blocking UDP socket bound to address:port, or -1.
int bind_udp(const SocketAddress& address) {
  const int fd = ::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, address.get(), address.length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Takes port pairs until one binds on both ports (another program may hold some).
bool bind_leg(detail::Leg& leg, PortPairs& ports, const std::string& ip) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    const auto port = ports.take();
    if (!port) return false;
    const auto rtp = SocketAddress::from(ip, *port);
    const auto rtcp = SocketAddress::from(ip, static_cast<std::uint16_t>(*port + 1));
    const int rtp_fd = rtp ? bind_udp(*rtp) : -1;
    const int rtcp_fd = rtp_fd >= 0 && rtcp ? bind_udp(*rtcp) : -1;
    if (rtcp_fd >= 0) {
      leg.rtp_fd = rtp_fd;
      leg.rtcp_fd = rtcp_fd;
      leg.port = *port;
      return true;
    }
    if (rtp_fd >= 0) ::close(rtp_fd);
    ports.give_back(*port);  // round-robin moves on: the next take tries another pair
  }
  return false;
}

}  // namespace

MediaSession::MediaSession(std::shared_ptr<detail::Call> call, detail::Worker& worker)
    : call_(std::move(call)), worker_(worker) {}

MediaSession::~MediaSession() { close(); }

std::uint16_t MediaSession::port(std::size_t leg) const { return call_->legs.at(leg).port; }

void MediaSession::setup(std::size_t leg, LegSetup setup) {
  if (closed_ || leg >= kLegs) return;
  worker_.post([call = call_, leg, setup = std::move(setup)]() mutable {
    detail::configure_leg(call->legs[leg], std::move(setup));
  });
}

LegStats MediaSession::stats(std::size_t leg) const {
  const auto& c = call_->legs.at(leg).counters;
  LegStats stats;
  stats.packets_in = c.packets_in.load(std::memory_order_relaxed);
  stats.bytes_in = c.bytes_in.load(std::memory_order_relaxed);
  stats.packets_out = c.packets_out.load(std::memory_order_relaxed);
  stats.bytes_out = c.bytes_out.load(std::memory_order_relaxed);
  stats.unauthentic = c.unauthentic.load(std::memory_order_relaxed);
  stats.replayed = c.replayed.load(std::memory_order_relaxed);
  stats.malformed = c.malformed.load(std::memory_order_relaxed);
  stats.foreign = c.foreign.load(std::memory_order_relaxed);
  std::lock_guard lock(c.latched_mutex);
  stats.latched = c.latched;
  return stats;
}

void MediaSession::close() {
  if (closed_) return;
  closed_ = true;
  worker_.post([call = call_, &worker = worker_] { worker.remove(call); });
}

Relay::Relay(RelayOptions options) : options_(std::move(options)), ports_(options_.ports) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.threads); ++i) {
    workers_.push_back(detail::make_worker(options_.io));
  }
}

RelayIo Relay::io() const { return workers_.front()->io(); }

const char* to_string(RelayIo io) {
  switch (io) {
    case RelayIo::io_uring:
      return "io_uring";
    case RelayIo::epoll:
      return "epoll";
    case RelayIo::automatic:
      break;
  }
  return "automatic";
}

Relay::~Relay() = default;

Result<std::unique_ptr<MediaSession>> Relay::open_session() {
  auto call = std::make_shared<detail::Call>();
  call->ports = &ports_;
  for (auto& leg : call->legs) {
    if (!bind_leg(leg, ports_, options_.bind_address)) {
      return make_error("no free RTP port pair in listen.rtp_ports", "listen.rtp_ports",
                        ErrorKind::throttled);
    }
  }
  auto& worker = *workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
  worker.post([call, &worker] { worker.add(call); });
  return std::make_unique<MediaSession>(std::move(call), worker);
}

}  // namespace lockline::media
