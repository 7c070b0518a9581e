#pragma once
// The media relay: every call's audio passes through Lockline. A call is a MediaSession of two
// legs; each leg has its own ports, its own peer and its own SRTP keys in each direction, so
// nothing of one phone's keying reaches the other. The packet path runs on worker threads,
// each owning its sessions' sockets and SRTP state outright: no locks per packet.
#include "core/result.hpp"
#include "media/port_range.hpp"
#include "media/socket_address.hpp"
#include "media/srtp_suite.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lockline::media {

namespace detail {
class Worker;
struct Call;
}  // namespace detail

// How the workers wait for and move packets: io_uring where the kernel allows it (one system
// call per round of packets), else epoll (two per packet). Tests and benchmarks pick one.
enum class RelayIo { automatic, io_uring, epoll };
const char* to_string(RelayIo io);

struct RelayOptions {
  std::string bind_address = "0.0.0.0";
  PortRange ports;
  std::size_t threads = 1;
  RelayIo io = RelayIo::automatic;
};

// How one leg's phone takes part, from the offer/answer on that leg.
struct LegSetup {
  SocketAddress peer;  // where the phone receives RTP; RTCP goes to port + 1 unless muxed
  bool rtcp_mux = false;
  std::optional<SrtpMasterKey> peer_key;  // the phone sends SRTP under this key
  std::optional<SrtpMasterKey> own_key;   // Lockline sends it SRTP under this one
  // Where the phone's SIP comes from. A plain RTP leg latches only onto a source at this host
  // or at the SDP's: nothing else proves a packet is the phone's (SRTP legs authenticate).
  std::optional<SocketAddress> signalling = {};
};

struct LegStats {
  std::uint64_t packets_in = 0;  // accepted from the phone
  std::uint64_t bytes_in = 0;
  std::uint64_t packets_out = 0;  // sent to the phone
  std::uint64_t bytes_out = 0;
  std::uint64_t unauthentic = 0;  // dropped: SRTP authentication failed
  std::uint64_t replayed = 0;     // dropped: SRTP index seen before
  std::uint64_t malformed = 0;    // dropped: not RTP/RTCP, or truncated
  std::uint64_t foreign = 0;      // dropped: plain RTP from other than the latched source
  std::string latched;            // the source address latched onto, "" until then
};

class MediaSession {
 public:
  static constexpr std::size_t kLegs = 2;

  MediaSession(std::shared_ptr<detail::Call> call, detail::Worker& worker);
  ~MediaSession();  // closes
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  // The leg's RTP port on the relay address (RTCP: port + 1).
  std::uint16_t port(std::size_t leg) const;
  // Takes effect before the next packet the worker handles; again for a re-INVITE (the SRTP
  // state is kept when a key is unchanged, the latch is dropped when the peer moved).
  void setup(std::size_t leg, LegSetup setup);
  LegStats stats(std::size_t leg) const;
  void close();

 private:
  std::shared_ptr<detail::Call> call_;
  detail::Worker& worker_;
  bool closed_ = false;
};

class Relay {
 public:
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Throws std::system_error when options.io names a way the kernel does not allow.
  explicit Relay(RelayOptions options);
  // Binds both legs' ports; an error when the range is exhausted.
  Result<std::unique_ptr<MediaSession>> open_session();
  std::size_t free_port_pairs() const { return ports_.free_pairs(); }
  RelayIo io() const;  // the one in use: never automatic

 private:
  RelayOptions options_;
  PortPairs ports_;
  std::vector<std::unique_ptr<detail::Worker>> workers_;
  std::atomic<std::size_t> next_worker_{0};
};

}  // namespace lockline::media
