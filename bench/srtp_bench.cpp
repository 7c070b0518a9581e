// SRTP cost per G.711 packet (12-byte header, 160-byte payload): protect plus unprotect, with
// 1, 100 and 4,000 live sessions used round-robin, for Lockline's transforms (OpenSSL EVP) and
// for the libsrtp the machine has (Debian's is built on NSS). Prints a Markdown table.
#include "media/srtp_context.hpp"

#include <srtp2/srtp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

using namespace lockline::media;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<std::uint8_t> g711_packet(std::uint16_t seq, std::uint32_t ssrc) {
  std::vector<std::uint8_t> p(12 + 160 + 32, 0xd5);
  p[0] = 0x80;
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

constexpr std::size_t kPacketLength = 172;

// Nanoseconds of CPU per protect+unprotect pair.
double time_lockline(SrtpSuite suite, std::size_t sessions, std::size_t packets) {
  std::vector<std::unique_ptr<SrtpContext>> senders, receivers;
  for (std::size_t i = 0; i < sessions; ++i) {
    const auto key = SrtpMasterKey::random(suite);
    senders.push_back(std::make_unique<SrtpContext>(key));
    receivers.push_back(std::make_unique<SrtpContext>(key));
  }
  std::vector<std::uint16_t> seq(sessions, 0);
  auto packet = g711_packet(0, 0x1234);
  const double start = cpu_seconds();
  for (std::size_t n = 0; n < packets; ++n) {
    const std::size_t s = n % sessions;
    const std::uint16_t q = seq[s]++;
    packet[2] = static_cast<std::uint8_t>(q >> 8);
    packet[3] = static_cast<std::uint8_t>(q);
    const auto sealed = senders[s]->protect_rtp(packet.data(), kPacketLength);
    const auto opened = receivers[s]->unprotect_rtp(packet.data(), sealed.length);
    if (opened.status != SrtpStatus::ok) {
      std::fprintf(stderr, "lockline: unprotect failed\n");
      return -1;
    }
  }
  return (cpu_seconds() - start) * 1e9 / static_cast<double>(packets);
}

double time_libsrtp(SrtpSuite suite, std::size_t sessions, std::size_t packets) {
  auto make = [&](const SrtpMasterKey& key, srtp_ssrc_type_t type) {
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    if (suite == SrtpSuite::aead_aes_128_gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = type;
    std::vector<unsigned char> bytes(key.bytes().begin(), key.bytes().end());
    policy.key = bytes.data();
    srtp_t session = nullptr;
    if (srtp_create(&session, &policy) != srtp_err_status_ok) std::abort();
    return session;
  };
  std::vector<srtp_t> senders, receivers;
  for (std::size_t i = 0; i < sessions; ++i) {
    const auto key = SrtpMasterKey::random(suite);
    senders.push_back(make(key, ssrc_any_outbound));
    receivers.push_back(make(key, ssrc_any_inbound));
  }
  std::vector<std::uint16_t> seq(sessions, 0);
  auto packet = g711_packet(0, 0x1234);
  const double start = cpu_seconds();
  bool failed = false;
  for (std::size_t n = 0; n < packets && !failed; ++n) {
    const std::size_t s = n % sessions;
    const std::uint16_t q = seq[s]++;
    packet[2] = static_cast<std::uint8_t>(q >> 8);
    packet[3] = static_cast<std::uint8_t>(q);
    int length = static_cast<int>(kPacketLength);
    failed = srtp_protect(senders[s], packet.data(), &length) != srtp_err_status_ok ||
             srtp_unprotect(receivers[s], packet.data(), &length) != srtp_err_status_ok;
  }
  const double ns = (cpu_seconds() - start) * 1e9 / static_cast<double>(packets);
  for (auto* s : senders) srtp_dealloc(s);
  for (auto* s : receivers) srtp_dealloc(s);
  if (failed) std::fprintf(stderr, "libsrtp: protect or unprotect failed\n");
  return failed ? -1 : ns;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t packets = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 400000;
  if (srtp_init() != srtp_err_status_ok) return 1;
  std::printf(
      "| Suite | Sessions | Lockline ns/packet | libsrtp (Debian, NSS) ns/packet | Ratio |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (SrtpSuite suite : {SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aead_aes_128_gcm}) {
    for (std::size_t sessions : {1, 100, 4000}) {
      const double ours = time_lockline(suite, sessions, packets);
      const double theirs = time_libsrtp(suite, sessions, packets);
      std::printf("| %s | %zu | %.0f | %.0f | %.2f |\n",
                  std::string(srtp_suite_spec(suite).name).c_str(), sessions, ours, theirs,
                  ours / theirs);
    }
  }
  return 0;
}
