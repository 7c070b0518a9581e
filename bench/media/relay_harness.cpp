// A stand-in for the call layer in the media benchmark: answers rtpengine's ng control
// protocol (offer, answer, delete over UDP, bencode) so that one load generator drives
// Lockline's relay and rtpengine alike. --mode floor runs the cost floor instead: one
// recvfrom, SRTP unprotect/protect and one sendto per packet, nothing else.
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "bencode.hpp"
#include "media/relay.hpp"
#include "media/sdp.hpp"
#include "media/srtp_context.hpp"

using namespace lockline::media;

namespace {

struct Side {
  SocketAddress peer;
  std::optional<SrtpMasterKey> peer_key;  // what the phone sends under
  std::optional<SrtpMasterKey> own_key;   // what the relay sends it under
  std::string protocol;
};

// The floor: fixed addresses, no latching, no counters, one packet per wake-up.
struct FloorCall {
  int fd[2] = {-1, -1};
  std::uint16_t port[2] = {0, 0};
  Side side[2];
  std::unique_ptr<SrtpContext> in[2], out[2];
};

struct FloorTag {
  FloorCall* call;
  int side;
};

int bind_port(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  port = ntohs(a.sin_port);
  return fd;
}

void floor_loop(int epoll_fd) {
  std::array<epoll_event, 256> events;
  std::uint8_t buffer[2048];
  for (;;) {
    const int n = ::epoll_wait(epoll_fd, events.data(), events.size(), -1);
    for (int i = 0; i < n; ++i) {
      auto* tag = static_cast<FloorTag*>(events[i].data.ptr);
      FloorCall& call = *tag->call;
      const int from = tag->side, to = 1 - from;
      const auto got = ::recv(call.fd[from], buffer, sizeof buffer - 32, 0);
      if (got <= 0) continue;  // epoll has the socket only once the call is ready
      std::size_t length = static_cast<std::size_t>(got);
      if (call.in[from]) {
        const auto r = call.in[from]->unprotect_rtp(buffer, length);
        if (r.status != SrtpStatus::ok) continue;
        length = r.length;
      }
      if (call.out[to]) length = call.out[to]->protect_rtp(buffer, length).length;
      const auto& peer = call.side[to].peer;
      ::sendto(call.fd[to], buffer, length, 0, peer.get(), peer.length);
    }
  }
}

std::string sdp_for(const std::string& origin_id, std::uint16_t port, const Side& side,
                    const SdpMedia& template_media) {
  Sdp sdp;
  sdp.origin = "- " + origin_id + " 1 IN IP4 127.0.0.1";
  sdp.session_name = "harness";
  sdp.address = SdpAddress{"IP4", "127.0.0.1"};
  sdp.session_lines = {"t=0 0"};
  SdpMedia media;
  media.kind = "audio";
  media.port = port;
  media.protocol = side.protocol;
  media.formats = template_media.formats;
  for (const auto& a : template_media.attributes) {
    if (a.starts_with("rtpmap:")) media.attributes.push_back(a);
  }
  if (side.own_key) media.crypto.push_back({1, *side.own_key});
  sdp.media.push_back(std::move(media));
  return write_sdp(sdp);
}

bool read_side(const std::string& text, Side& side, SdpMedia& media) {
  const auto sdp = parse_sdp(text);
  if (!sdp || sdp->media.empty() || !sdp->address_of(sdp->media[0])) return false;
  media = sdp->media[0];
  const auto address = SocketAddress::from(sdp->address_of(media)->address, media.port);
  if (!address) return false;
  side.peer = *address;
  side.protocol = media.protocol;
  if (!media.crypto.empty()) side.peer_key = media.crypto[0].key;
  return true;
}

struct PendingCall {
  Side side[2];
  SdpMedia offered;
  std::unique_ptr<MediaSession> session;  // lockline mode
  std::unique_ptr<FloorCall> floor;       // floor mode
  std::unique_ptr<FloorTag> tags[2];
};

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "lockline";
  std::uint16_t control_port = 2223;
  std::string ports = "30000-39999";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mode") mode = argv[i + 1];
    if (flag == "--control") control_port = static_cast<std::uint16_t>(std::stoi(argv[i + 1]));
    if (flag == "--ports") ports = argv[i + 1];
  }
  const auto range = parse_port_range(ports, "--ports");
  if (!range) {
    std::fprintf(stderr, "%s\n", range.error().message.c_str());
    return 2;
  }
  std::unique_ptr<Relay> relay;
  int floor_epoll = -1;
  if (mode == "lockline" || mode == "lockline-epoll") {
    RelayOptions options;
    options.bind_address = "127.0.0.1";
    options.ports = *range;
    options.threads = 1;
    options.io = mode == "lockline" ? RelayIo::io_uring : RelayIo::epoll;
    relay = std::make_unique<Relay>(options);
  } else {
    floor_epoll = ::epoll_create1(0);
    std::thread(floor_loop, floor_epoll).detach();
  }

  const int control = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  at.sin_port = htons(control_port);
  if (::bind(control, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    std::perror("bind control");
    return 1;
  }
  std::map<std::string, PendingCall> calls;
  std::vector<char> datagram(65536);
  for (;;) {
    sockaddr_in from{};
    socklen_t from_length = sizeof from;
    const auto n = ::recvfrom(control, datagram.data(), datagram.size(), 0,
                              reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n <= 0) continue;
    const std::string_view text(datagram.data(), static_cast<std::size_t>(n));
    const auto space = text.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string cookie(text.substr(0, space));
    std::size_t pos = space + 1;
    const auto request = bench::decode(text, pos);
    std::vector<std::pair<std::string, std::string>> reply = {{"result", "ok"}};
    if (!request) {
      reply = {{"result", "error"}, {"error-reason", "bencode"}};
    } else {
      const std::string command = request->get("command");
      const std::string call_id = request->get("call-id");
      if (command == "offer" && calls.contains(call_id)) {
        reply = {{"result", "error"}, {"error-reason", "re-offers are not part of the benchmark"}};
      } else if (command == "offer") {
        PendingCall& call = calls[call_id];
        if (!read_side(request->get("sdp"), call.side[0], call.offered)) {
          reply = {{"result", "error"}, {"error-reason", "offer SDP"}};
        } else {
          const std::string protocol = request->get("transport-protocol");
          call.side[1].protocol = protocol.empty() ? call.side[0].protocol : protocol;
          const SrtpSuite suite = call.side[0].peer_key ? call.side[0].peer_key->suite()
                                                        : SrtpSuite::aes_cm_128_hmac_sha1_80;
          if (call.side[1].protocol.find("SAVP") != std::string::npos) {
            call.side[1].own_key = SrtpMasterKey::random(suite);
          }
          if (call.side[0].protocol.find("SAVP") != std::string::npos) {
            call.side[0].own_key = SrtpMasterKey::random(suite);
          }
          std::uint16_t b_port = 0;
          if (relay) {
            auto session = relay->open_session();
            if (!session) {
              reply = {{"result", "error"}, {"error-reason", session.error().message}};
            } else {
              call.session = std::move(session.value());
              b_port = call.session->port(1);
            }
          } else {
            call.floor = std::make_unique<FloorCall>();
            for (int s = 0; s < 2; ++s) {
              call.floor->fd[s] = bind_port(call.floor->port[s]);
              call.tags[s] = std::make_unique<FloorTag>(FloorTag{call.floor.get(), s});
            }
            b_port = call.floor->port[1];
          }
          if (b_port)
            reply.push_back({"sdp", sdp_for(call_id, b_port, call.side[1], call.offered)});
        }
      } else if (command == "answer") {
        auto it = calls.find(call_id);
        SdpMedia answered;
        if (it == calls.end() || !read_side(request->get("sdp"), it->second.side[1], answered)) {
          reply = {{"result", "error"}, {"error-reason", "answer"}};
        } else {
          PendingCall& call = it->second;
          std::uint16_t a_port = 0;
          if (call.session) {
            for (std::size_t s = 0; s < 2; ++s) {
              call.session->setup(
                  s, {call.side[s].peer, false, call.side[s].peer_key, call.side[s].own_key});
            }
            a_port = call.session->port(0);
          } else {
            FloorCall& f = *call.floor;
            for (int s = 0; s < 2; ++s) {
              f.side[s] = call.side[s];
              if (f.side[s].peer_key) f.in[s] = std::make_unique<SrtpContext>(*f.side[s].peer_key);
              if (f.side[s].own_key) f.out[s] = std::make_unique<SrtpContext>(*f.side[s].own_key);
            }
            for (int s = 0; s < 2; ++s) {
              epoll_event event{};
              event.events = EPOLLIN;
              event.data.ptr = call.tags[s].get();
              ::epoll_ctl(floor_epoll, EPOLL_CTL_ADD, f.fd[s], &event);
            }
            a_port = f.port[0];
          }
          reply.push_back({"sdp", sdp_for(call_id, a_port, call.side[0], call.offered)});
        }
      } else if (command == "delete") {
        if (relay) calls.erase(call_id);  // the floor keeps its calls: its thread has no lock
      } else if (command == "ping") {
        reply = {{"result", "pong"}};
      }
    }
    const std::string out = cookie + " " + bench::encode_dict(reply);
    ::sendto(control, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
  }
}
