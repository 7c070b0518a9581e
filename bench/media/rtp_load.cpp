// The media load generator: sets up N calls through a relay's ng control port (rtpengine, or
// relay_harness for Lockline and the floor), then plays G.711 at 50 packets/s each way per call
// for a number of seconds, phone A always with SRTP (AES_CM_128_HMAC_SHA1_80), phone B with
// SRTP or plain RTP. Prints one JSON line: packets sent and received each way, loss, one-way
// latency p50/p99 through the relay, and the relay's CPU seconds (from /proc/PID/stat).
#include <arpa/inet.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bencode.hpp"
#include "media/sdp.hpp"
#include "media/socket_address.hpp"
#include "media/srtp_context.hpp"

using namespace lockline::media;

namespace {

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double process_cpu_seconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Phone {
  int fd = -1;
  std::uint16_t port = 0;
  SocketAddress relay;               // where it sends
  std::unique_ptr<SrtpContext> out;  // its own key, when it speaks SRTP
  std::unique_ptr<SrtpContext> in;   // the relay's key towards it
  std::optional<SrtpMasterKey> key;  // its own key, for its SDP
  std::uint16_t seq = 0;
  std::uint32_t ssrc = 0;
  std::int64_t next_send = 0;
  bool is_a = true;
};

class Control {
 public:
  explicit Control(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    to_ = *SocketAddress::from("127.0.0.1", port);
  }
  std::optional<bench::Value> call(const std::vector<std::pair<std::string, std::string>>& dict) {
    // Unique across runs: rtpengine answers a cookie it has seen from its cache.
    const std::string cookie = std::to_string(getpid()) + "-" + std::to_string(++counter_);
    const std::string out = cookie + " " + bench::encode_dict(dict);
    std::vector<char> buffer(65536);
    for (int attempt = 0; attempt < 5; ++attempt) {
      ::sendto(fd_, out.data(), out.size(), 0, to_.get(), to_.length);
      pollfd p{fd_, POLLIN, 0};
      while (::poll(&p, 1, 2000) == 1) {
        const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        const std::string_view text(buffer.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
        if (!text.starts_with(cookie + " ")) continue;  // a late answer to an earlier try
        std::size_t pos = cookie.size() + 1;
        return bench::decode(text, pos);
      }
    }
    return std::nullopt;
  }

 private:
  int fd_;
  SocketAddress to_;
  unsigned counter_ = 0;
};

std::string phone_sdp(const Phone& phone, bool srtp) {
  Sdp sdp;
  sdp.origin = "- " + std::to_string(phone.ssrc) + " 1 IN IP4 127.0.0.1";
  sdp.session_name = "load";
  sdp.address = SdpAddress{"IP4", "127.0.0.1"};
  sdp.session_lines = {"t=0 0"};
  SdpMedia media;
  media.kind = "audio";
  media.port = phone.port;
  media.protocol = srtp ? "RTP/SAVP" : "RTP/AVP";
  media.formats = {"0"};
  media.attributes = {"rtpmap:0 PCMU/8000", "sendrecv"};
  if (srtp) media.crypto.push_back({1, *phone.key});
  sdp.media.push_back(std::move(media));
  return write_sdp(sdp);
}

// The relay's side of the SDP a phone is given: where to send, and the key it receives under.
bool take_relay_sdp(const std::string& text, Phone& phone, std::string& problem) {
  const auto sdp = parse_sdp(text);
  if (!sdp || sdp->media.empty()) {
    problem = "relay SDP: " + (sdp ? std::string("no media") : sdp.error().message);
    return false;
  }
  const auto& media = sdp->media[0];
  phone.relay = *SocketAddress::from(sdp->address_of(media)->address, media.port);
  if (!media.crypto.empty()) {
    if (phone.key && std::equal(phone.key->bytes().begin(), phone.key->bytes().end(),
                                media.crypto[0].key.bytes().begin())) {
      problem = "the relay passed a phone's own key through";
      return false;
    }
    phone.in = std::make_unique<SrtpContext>(media.crypto[0].key);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t calls = 100;
  double seconds = 10;
  bool srtp_b = true;
  std::uint16_t control_port = 2223;
  int relay_pid = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--calls") calls = std::stoul(value);
    if (flag == "--seconds") seconds = std::stod(value);
    if (flag == "--b") srtp_b = value == "srtp";
    if (flag == "--control") control_port = static_cast<std::uint16_t>(std::stoi(value));
    if (flag == "--relay-pid") relay_pid = std::stoi(value);
  }
  Control control(control_port);
  std::vector<Phone> phones(2 * calls);
  std::mt19937 random(42);
  const int epoll_fd = ::epoll_create1(0);
  for (std::size_t c = 0; c < calls; ++c) {
    Phone& a = phones[2 * c];
    Phone& b = phones[2 * c + 1];
    for (Phone* p : {&a, &b}) {
      p->fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      sockaddr_in at{};
      at.sin_family = AF_INET;
      at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ::bind(p->fd, reinterpret_cast<sockaddr*>(&at), sizeof at);
      socklen_t length = sizeof at;
      ::getsockname(p->fd, reinterpret_cast<sockaddr*>(&at), &length);
      p->port = ntohs(at.sin_port);
      p->ssrc = static_cast<std::uint32_t>(random());
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = p;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, p->fd, &event);
    }
    b.is_a = false;
    a.key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
    a.out = std::make_unique<SrtpContext>(*a.key);
    if (srtp_b) {
      b.key = SrtpMasterKey::random(SrtpSuite::aes_cm_128_hmac_sha1_80);
      b.out = std::make_unique<SrtpContext>(*b.key);
    }
    const std::string call_id = "load-" + std::to_string(getpid()) + "-" +
                                std::to_string(now_ns()) + "-" + std::to_string(c);
    const auto offer = control.call({{"command", "offer"},
                                     {"call-id", call_id},
                                     {"from-tag", "a"},
                                     {"transport-protocol", srtp_b ? "RTP/SAVP" : "RTP/AVP"},
                                     {"sdp", phone_sdp(a, true)}});
    std::string problem = "no answer to offer";
    if (!offer || !take_relay_sdp(offer->get("sdp"), b, problem)) {
      std::fprintf(stderr, "call %zu: %s (%s)\n", c, problem.c_str(),
                   offer ? offer->get("error-reason").c_str() : "");
      return 1;
    }
    const auto answer = control.call({{"command", "answer"},
                                      {"call-id", call_id},
                                      {"from-tag", "a"},
                                      {"to-tag", "b"},
                                      {"sdp", phone_sdp(b, srtp_b)}});
    problem = "no answer to answer";
    if (!answer || !take_relay_sdp(answer->get("sdp"), a, problem)) {
      std::fprintf(stderr, "call %zu: %s\n", c, problem.c_str());
      return 1;
    }
    if (!a.in || (srtp_b && !b.in) || (!srtp_b && b.in)) {
      std::fprintf(stderr,
                   "call %zu: the relay's SDP does not have the expected keys (A %d, B %d)\n", c,
                   a.in != nullptr, b.in != nullptr);
      return 1;
    }
  }

  // Spread the sends evenly over each 20 ms period; B starts half a period after A.
  const std::int64_t period = 20000000;
  const std::int64_t start = now_ns() + 100000000;
  for (std::size_t i = 0; i < phones.size(); ++i) {
    phones[i].next_send =
        start + static_cast<std::int64_t>(i / 2) * period / static_cast<std::int64_t>(calls) +
        (phones[i].is_a ? 0 : period / 2);
  }
  const std::int64_t stop_sending = start + static_cast<std::int64_t>(seconds * 1e9);
  const std::int64_t stop = stop_sending + 500000000;
  std::uint64_t sent[2] = {0, 0}, received[2] = {0, 0}, bad = 0;
  std::vector<std::uint32_t> latency_us;
  latency_us.reserve(static_cast<std::size_t>(seconds * 100 * static_cast<double>(calls)) + 16);
  const double relay_cpu_start = relay_pid ? process_cpu_seconds(relay_pid) : 0;
  const double own_cpu_start = process_cpu_seconds(getpid());
  std::vector<std::uint8_t> buffer(2048);
  std::array<epoll_event, 512> events;
  std::size_t cursor = 0;
  while (true) {
    const std::int64_t now = now_ns();
    if (now >= stop) break;
    // Send what is due, in phase order.
    for (std::size_t n = 0; n < phones.size() && now < stop_sending; ++n) {
      Phone& p = phones[cursor];
      if (p.next_send > now) break;
      std::uint8_t* d = buffer.data();
      d[0] = 0x80;
      d[1] = 0x00;
      d[2] = static_cast<std::uint8_t>(p.seq >> 8);
      d[3] = static_cast<std::uint8_t>(p.seq);
      const std::uint32_t timestamp = static_cast<std::uint32_t>(p.seq) * 160;
      for (int k = 0; k < 4; ++k) d[4 + k] = static_cast<std::uint8_t>(timestamp >> (24 - 8 * k));
      for (int k = 0; k < 4; ++k) d[8 + k] = static_cast<std::uint8_t>(p.ssrc >> (24 - 8 * k));
      const std::int64_t stamp = now_ns();
      std::memcpy(d + 12, &stamp, sizeof stamp);
      std::memset(d + 20, 0xd5, 152);
      std::size_t length = 172;
      if (p.out) length = p.out->protect_rtp(d, length).length;
      ::sendto(p.fd, d, length, 0, p.relay.get(), p.relay.length);
      ++sent[p.is_a ? 0 : 1];
      ++p.seq;
      p.next_send += period;
      cursor = (cursor + 1) % phones.size();
    }
    const int n = ::epoll_wait(epoll_fd, events.data(), events.size(), 1);
    for (int i = 0; i < n; ++i) {
      Phone& p = *static_cast<Phone*>(events[i].data.ptr);
      for (;;) {
        const auto got = ::recv(p.fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) break;
        std::size_t length = static_cast<std::size_t>(got);
        if (p.in) {
          const auto r = p.in->unprotect_rtp(buffer.data(), length);
          if (r.status != SrtpStatus::ok) {
            ++bad;
            continue;
          }
          length = r.length;
        }
        if (length < 20) {
          ++bad;
          continue;
        }
        std::int64_t stamp = 0;
        std::memcpy(&stamp, buffer.data() + 12, sizeof stamp);
        latency_us.push_back(static_cast<std::uint32_t>((now_ns() - stamp) / 1000));
        ++received[p.is_a ? 1 : 0];  // what A receives travelled B -> A
      }
    }
  }
  const double relay_cpu = relay_pid ? process_cpu_seconds(relay_pid) - relay_cpu_start : 0;
  const double own_cpu = process_cpu_seconds(getpid()) - own_cpu_start;
  // No teardown: the benchmark restarts the relay between runs.
  std::sort(latency_us.begin(), latency_us.end());
  auto percentile = [&](double q) -> std::uint32_t {
    if (latency_us.empty()) return 0;
    return latency_us[std::min(
        latency_us.size() - 1,
        static_cast<std::size_t>(q * static_cast<double>(latency_us.size())))];
  };
  const std::uint64_t total_sent = sent[0] + sent[1], total_received = received[0] + received[1];
  const double loss =
      total_sent ? 1.0 - static_cast<double>(total_received) / static_cast<double>(total_sent)
                 : 1.0;
  std::printf(
      "{\"calls\": %zu, \"sent_ab\": %llu, \"received_ab\": %llu, \"sent_ba\": %llu, "
      "\"received_ba\": %llu, \"bad\": %llu, \"loss\": %.6f, \"p50_us\": %u, \"p99_us\": %u, "
      "\"relay_cpu_s\": %.2f, \"load_cpu_s\": %.2f, \"seconds\": %.1f}\n",
      calls, static_cast<unsigned long long>(sent[0]), static_cast<unsigned long long>(received[0]),
      static_cast<unsigned long long>(sent[1]), static_cast<unsigned long long>(received[1]),
      static_cast<unsigned long long>(bad), loss, percentile(0.5), percentile(0.99), relay_cpu,
      own_cpu, seconds);
  return 0;
}
