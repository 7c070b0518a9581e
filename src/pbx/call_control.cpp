#include "pbx/call_control.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>

#include "core/crypto_random.hpp"
#include "pbx/call_media.hpp"
#include "sip/header_values.hpp"
#include "sip/parser.hpp"
#include "sip/response.hpp"

namespace lockline::pbx {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kT1 = std::chrono::milliseconds(500);
constexpr auto kT2 = std::chrono::milliseconds(4000);
// A confirmed call whose media has not moved on either leg for this long is hung up: phones that
// lost power or network leave no BYE behind.
constexpr auto kMediaSilence = std::chrono::seconds(120);
// A call that rings this long is given up (timer C, RFC 3261 §16.8): a caller that vanished
// without a CANCEL must not hold its relay ports for ever.
constexpr auto kRingingLimit = std::chrono::minutes(3);
constexpr std::string_view kAllow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\r\n";
constexpr std::string_view kSdpType = "Content-Type: application/sdp\r\n";
// The legs of a call, as the relay numbers them.
constexpr int kCaller = 0;
constexpr int kCallee = 1;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string tag_of(std::string_view header_value) {
  const auto name_addr = sip::parse_name_addr(header_value);
  if (!name_addr) return {};
  return std::string(sip::find_param(name_addr->params, "tag").value_or(""));
}

std::string uri_of(std::string_view header_value) {
  const auto name_addr = sip::parse_name_addr(header_value);
  return name_addr ? std::string(name_addr->uri) : std::string();
}

std::string branch_of(const sip::Message& message) {
  const auto via = sip::parse_via(message.header(sip::HeaderId::via));
  return via ? std::string(via->branch) : std::string();
}

std::string transport_param(sip::Transport transport) {
  return std::string(sip::transport_name(transport));
}

// "PCMU/8000" for the first format of an answer: its rtpmap, else the static payload type's.
std::string codec_name(const PhoneMedia& media) {
  if (media.formats.empty()) return {};
  const std::string& format = media.formats.front();
  for (const auto& attribute : media.attributes) {
    if (attribute.starts_with("rtpmap:" + format + " ")) {
      return attribute.substr(8 + format.size());
    }
  }
  if (format == "0") return "PCMU/8000";
  if (format == "8") return "PCMA/8000";
  if (format == "9") return "G722/8000";
  if (format == "18") return "G729/8000";
  return "payload type " + format;
}

std::optional<media::SocketAddress> host_of(const sip::Peer& peer) {
  return media::SocketAddress::from(peer.address.to_string(), 0);
}

std::string suite_of(const std::optional<media::SrtpMasterKey>& key) {
  return key ? std::string(media::srtp_suite_spec(key->suite()).name) : std::string();
}

// Whether a request comes over the flow of the phone on a leg: the same transport and address.
// A TCP or TLS phone may have reconnected (a new connection), a UDP phone may have a new port.
bool same_phone(const sip::Peer& a, const sip::Peer& b) {
  return a.transport == b.transport && a.address == b.address;
}

// Held calls (RFC 3264 §8.4) may carry no media in either direction for as long as they like.
bool on_hold(const PhoneMedia& media) {
  return std::any_of(media.attributes.begin(), media.attributes.end(), [](const auto& a) {
    return a == "inactive" || a == "sendonly" || a == "recvonly";
  });
}

std::string warning(std::string_view text) {
  return "Warning: 399 lockline \"" + std::string(text) + "\"\r\n";
}

// Why a phone's SDP offer cannot be taken, for the Warning of a 488; "" when it can.
std::string offer_refusal(const Result<PhoneMedia>& offer, const sip::Peer& peer) {
  if (!offer) return offer.error().message;
  if (!media_address_allowed(offer->address, peer.address.is_loopback())) {
    return "the SDP's media address is not acceptable";
  }
  // Keys in SDP are as secret as the call: only over TLS (RFC 4568 §8.3).
  if (offer->srtp && peer.transport != sip::Transport::tls) {
    return "SRTP keys are accepted over TLS only";
  }
  return {};
}

// Whether a phone's answer takes Lockline's offer: an SRTP answer must key the one line offered
// (RFC 4568 §6.1: tag 1, our suite); plain RTP only where SRTP is not required.
bool answer_acceptable(const Result<PhoneMedia>& answer, const sip::Peer& peer,
                       const std::optional<media::SrtpMasterKey>& offered, bool srtp_required) {
  if (!answer || !media_address_allowed(answer->address, peer.address.is_loopback())) {
    return false;
  }
  if (!answer->srtp) return !srtp_required;
  return offered && answer->crypto->tag == 1 && answer->crypto->key.suite() == offered->suite();
}

}  // namespace

struct CallControl::Branch {
  std::string id;                           // the Via branch of its INVITE
  sip::Peer peer;                           // the callee's flow, from its registration
  std::string target;                       // the registered Contact: the INVITE's Request-URI
  std::string via;                          // the INVITE's Via line, which its CANCEL repeats
  std::optional<media::SrtpMasterKey> key;  // Lockline's key offered on this branch (TLS only)
  std::string to_tag;
  std::string remote_target;  // the callee's Contact in its 2xx
  std::string ack;            // the ACK to its 2xx, for retransmissions of the 2xx
  bool provisional = false;   // a 1xx came: a CANCEL may be sent
  bool cancel_wanted = false;
  bool srtp_required = false;  // sip.tls_srtp for the callee's manufacturer
  bool done = false;
};

struct CallControl::Call {
  enum class State { proceeding, answered, confirmed, cancelled, ended };
  State state = State::proceeding;
  std::optional<sip::Message> invite;  // the caller's
  sip::Peer a_peer;                    // the caller's flow
  sip::Peer a_reply_to;
  std::string a_call_id, a_tag, a_remote_target, a_branch;
  std::uint32_t a_cseq = 1;                   // Lockline's requests towards the caller
  PhoneMedia a_media;                         // the caller's latest SDP
  std::optional<media::SrtpMasterKey> a_key;  // Lockline's key towards the caller
  bool a_srtp_required = false;               // sip.tls_srtp for the caller's manufacturer

  std::string b_call_id, b_from, b_to;
  std::uint32_t b_cseq = 1;
  // The CSeq of each phone's latest request in its dialog (0: none seen yet): requests must
  // count up (RFC 3261 §12.2.2).
  std::uint32_t phone_cseq[2] = {0, 0};
  std::vector<std::unique_ptr<Branch>> branches;
  Branch* winner = nullptr;
  int best_status = 0;
  std::string best_reason;

  PhoneMedia b_media;  // the answering callee's latest SDP

  // A re-INVITE (RFC 3261 §14) from one phone, offered on to the other by Lockline.
  struct Reinvite {
    sip::Message request;  // its own copy of the bytes, to answer it
    sip::Peer peer;
    int leg = kCaller;  // whose it is
    PhoneMedia offer;
    std::string branch;  // of Lockline's re-INVITE to the other phone
    std::uint32_t cseq = 0;
  };
  std::optional<Reinvite> reinvite;
  std::string their_reinvite_branch;  // the last re-INVITE from a phone, to spot retransmissions
  std::string our_reinvite_branch;    // the last one of Lockline's, until the call ends
  std::string reinvite_ack;           // Lockline's ACK to its 2xx, for retransmissions of it
  sip::Peer reinvite_ack_to;

  std::string last_provisional;
  std::string final_2xx;  // Lockline's latest 2xx to an INVITE, until its ACK
  sip::Peer resend_to;    // where final_2xx goes again until its ACK
  int ack_leg = kCaller;  // whose ACK it awaits
  std::uint32_t ack_cseq = 0;
  std::string caller_tag;           // the caller's From tag: with a_tag, its dialog's identity
  std::uint64_t media_packets = 0;  // on both legs, at the last check
  Clock::time_point media_moved_at{};
  Clock::time_point resend_at{}, give_up_at{};
  Clock::duration interval{};

  std::unique_ptr<media::MediaSession> media;
  std::string id, codec;
  bool srtp[2] = {false, false};  // per leg: SRTP in use
  std::int64_t tenant_id = 0;
  std::string caller, callee;
  std::int64_t started_at = 0;
  Clock::time_point ringing_until{};
  std::uint64_t sdp_version[2] = {1, 1};  // of Lockline's SDP on each leg
};

CallControl::CallControl(sip::Server& server, const Directory& directory, Location& location,
                         Authenticator& authenticator, AuthThrottle& throttle,
                         const Snapshot<SipPolicy>& policy, media::Relay& relay,
                         CallOptions options)
    : server_(server),
      directory_(directory),
      location_(location),
      auth_(authenticator),
      throttle_(throttle),
      policy_(policy),
      relay_(relay),
      options_(std::move(options)),
      timer_(context_) {
  tick();
  thread_ = std::thread([this] { context_.run(); });
}

CallControl::~CallControl() {
  boost::asio::post(context_, [this] {
    stopping_ = true;  // a tick already queued must not re-arm the timer
    timer_.cancel();
    for (auto& [id, call] : by_call_id_) call->media.reset();
  });
  thread_.join();
}

void CallControl::tick() {
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = Clock::now();
    const auto send = [this](const sip::Peer& peer, const std::string& bytes) {
      server_.send(peer, bytes);
    };
    server_transactions_.run_timers(now, send);
    client_transactions_.run_timers(now, send, [this](const std::string& branch, bool invite) {
      if (const auto re = by_reinvite_branch_.find(branch);
          invite && re != by_reinvite_branch_.end()) {
        auto call = re->second;  // the other phone is gone (§14.1: the dialog ends)
        if (call->reinvite && call->reinvite->branch == branch) {
          respond(call->reinvite->request, call->reinvite->peer, 408, "Request Timeout");
          call->reinvite.reset();
          hang_up(*call, true, true);
        }
        return;
      }
      const auto it = by_branch_.find(branch);
      if (!invite || it == by_branch_.end()) return;  // a CANCEL shares its INVITE's branch
      auto [call, target] = it->second;
      if (!target->done) on_branch_failed(*call, *target, 408);
    });
    std::vector<std::shared_ptr<Call>> expired, unanswered;
    const bool check_media = (++ticks_ % 50) == 0;  // every 5 s
    for (auto& [id, call] : by_call_id_) {
      if (call->a_call_id != id) continue;
      if (call->state == Call::State::proceeding && now >= call->ringing_until) {
        unanswered.push_back(call);
      } else if (call->state == Call::State::answered) {
        if (now >= call->give_up_at) {
          expired.push_back(call);  // no ACK: RFC 3261 §13.3.1.4 says hang up
        } else if (now >= call->resend_at) {
          server_.send(call->resend_to, call->final_2xx);
          call->interval = std::min<Clock::duration>(call->interval * 2, kT2);
          call->resend_at = now + call->interval;
        }
      } else if (check_media && call->state == Call::State::confirmed && call->media &&
                 !on_hold(call->a_media) && !on_hold(call->b_media)) {
        const auto packets = call->media->stats(0).packets_in + call->media->stats(1).packets_in;
        if (packets != call->media_packets || call->media_moved_at == Clock::time_point{}) {
          call->media_packets = packets;
          call->media_moved_at = now;
        } else if (now - call->media_moved_at > kMediaSilence) {
          spdlog::info("call {}: no media for {} s, hanging up", call->id,
                       std::chrono::duration_cast<std::chrono::seconds>(kMediaSilence).count());
          expired.push_back(call);
        }
      }
    }
    for (auto& call : expired) hang_up(*call, true, true);
    for (auto& call : unanswered) stop_ringing(*call, 408, "Request Timeout");
    if (!stopping_) tick();
  });
}

void CallControl::on_message(sip::Message message, const sip::Peer& peer) {
  try {
    if (message.is_request()) {
      if (message.method() == sip::Method::invite && tag_of(message.to()).empty()) {
        const auto match = server_transactions_.on_request(message, Clock::now());
        if (match.verdict == sip::ServerTransactions::Verdict::resend) {
          server_.send(sip::reply_destination(message, peer), *match.response);
        } else if (match.verdict == sip::ServerTransactions::Verdict::new_request) {
          on_invite(message, peer);
        }
        return;
      }
      on_request(message, peer);
    } else {
      on_response(message, peer);
    }
  } catch (const std::exception& e) {
    spdlog::error("SIP {} from {} failed in call control: {}", message.method_text(),
                  peer.to_string(), e.what());
  }
}

void CallControl::respond(const sip::Message& request, const sip::Peer& peer, int status,
                          std::string_view reason, std::string_view headers, std::string_view body,
                          bool keep) {
  std::string bytes;
  sip::build_response(bytes, request, peer, status, reason, headers, body);
  const auto to = sip::reply_destination(request, peer);
  if (keep && status >= 200) {
    if (const auto* kept =
            server_transactions_.answered(request, to, status, std::move(bytes), Clock::now())) {
      server_.send(to, *kept);
      return;
    }
  }
  server_.send(to, std::move(bytes));
}

std::string CallControl::via(sip::Transport transport, const std::string& branch) const {
  const auto port = transport == sip::Transport::udp   ? options_.udp_port
                    : transport == sip::Transport::tcp ? options_.tcp_port
                                                       : options_.tls_port;
  std::string name = transport_param(transport);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "SIP/2.0/" + name + " " + options_.address + ":" + std::to_string(port) +
         ";branch=" + branch + ";rport";
}

std::string CallControl::contact(sip::Transport transport) const {
  const auto port = transport == sip::Transport::udp   ? options_.udp_port
                    : transport == sip::Transport::tcp ? options_.tcp_port
                                                       : options_.tls_port;
  return "<sip:lockline@" + options_.address + ":" + std::to_string(port) +
         ";transport=" + transport_param(transport) + ">";
}

void CallControl::on_invite(const sip::Message& invite, const sip::Peer& peer) {
  // A retransmission of an INVITE still ringing: the last provisional again.
  if (const auto it = by_call_id_.find(std::string(invite.call_id())); it != by_call_id_.end()) {
    Call& call = *it->second;
    if (call.a_call_id != invite.call_id() || call.a_branch != branch_of(invite)) {
      // Another INVITE reusing a live Call-ID outside its dialog (§8.2.2.2).
      return respond(invite, peer, 482, "Loop Detected", {}, {}, false);
    }
    if (!call.final_2xx.empty() && call.ack_leg == kCaller &&
        call.ack_cseq == invite.cseq().number) {
      server_.send(call.a_reply_to, call.final_2xx);
    } else if (!call.last_provisional.empty()) {
      server_.send(call.a_reply_to, call.last_provisional);
    }
    return;
  }
  if (throttle_.blocked_for(peer.address, AuthThrottle::Clock::now())) {
    return respond(invite, peer, 403, "Too Many Failed Authentications", {}, {}, false);
  }
  if (!invite.header(sip::HeaderId::require).empty()) {
    return respond(invite, peer, 420, "Bad Extension",
                   "Unsupported: " + std::string(invite.header(sip::HeaderId::require)) + "\r\n");
  }
  // The caller: the From user, who must prove it (407, RFC 3261 §22.3).
  const auto from = sip::parse_name_addr(invite.from());
  const auto from_uri = from ? sip::parse_sip_uri(from->uri) : Result<sip::SipUri>(Error{});
  const auto target = sip::parse_sip_uri(invite.request_uri());
  if (!from || !from_uri || !target) return respond(invite, peer, 400, "Malformed From Or URI");
  const auto directory = directory_.get();
  const auto* tenant = directory->tenant_for(from_uri->host.host);
  const Account* account = nullptr;
  if (tenant) {
    const auto it = tenant->accounts.find(from_uri->user);
    if (it != tenant->accounts.end()) account = &it->second;
  }
  if (!account) {
    auth_.record_unknown_user(invite, peer, sip::HeaderId::proxy_authorization);
    return respond(invite, peer, 403, "Forbidden", {}, {}, false);
  }
  const auto auth = auth_.check(invite, peer, tenant->domain, from_uri->user, *account,
                                sip::HeaderId::proxy_authorization);
  switch (auth.verdict) {
    case AuthVerdict::authenticated:
      break;
    case AuthVerdict::challenge:
    case AuthVerdict::stale:
      return respond(invite, peer, 407, "Proxy Authentication Required",
                     auth_.challenge(invite, peer, tenant->domain,
                                     auth.verdict == AuthVerdict::stale, "Proxy-Authenticate"),
                     {}, false);
    case AuthVerdict::wrong:
      return respond(invite, peer, 403, "Forbidden", {}, {}, false);
    case AuthVerdict::malformed:
      return respond(invite, peer, 400, auth.reason, {}, {}, false);
  }

  // The callee: an extension of the caller's tenant, and where it is registered.
  if (tenant->accounts.find(target->user) == tenant->accounts.end()) {
    return respond(invite, peer, 404, "Not Found");
  }
  const auto bindings = location_.lookup({tenant->id, target->user}, unix_now());
  if (bindings.empty()) return respond(invite, peer, 480, "Temporarily Unavailable");
  if (by_call_id_.size() / 2 >= options_.max_calls) {
    return respond(invite, peer, 503, "Service Unavailable", "Retry-After: 5\r\n");
  }

  // The caller's media.
  if (invite.body().empty()) {
    return respond(invite, peer, 488, "Not Acceptable Here",
                   warning("an SDP offer in the INVITE is required"));
  }
  auto offer = read_phone_media(invite.body());
  if (const auto refusal = offer_refusal(offer, peer); !refusal.empty()) {
    return respond(invite, peer, 488, "Not Acceptable Here", warning(refusal));
  }
  // sip.tls_srtp.<manufacturer>: that manufacturer's handsets call over TLS, with SRTP.
  const auto policy = policy_.get();
  if (const auto manufacturer = policy->requires_tls_srtp(invite.header(sip::HeaderId::user_agent),
                                                          tenant->id, from_uri->user)) {
    const std::string setting = "sip.tls_srtp." + std::string(manufacturer_name(*manufacturer));
    if (peer.transport != sip::Transport::tls) {
      return respond(invite, peer, 403, "TLS Required (" + setting + ")");
    }
    if (!offer->srtp) {
      return respond(invite, peer, 488, "Not Acceptable Here",
                     warning("SRTP is required (" + setting + ")"));
    }
  }
  auto session = relay_.open_session();
  if (!session) return respond(invite, peer, 503, "Service Unavailable", "Retry-After: 5\r\n");

  auto call = std::make_shared<Call>();
  call->a_peer = peer;
  call->a_reply_to = sip::reply_destination(invite, peer);
  call->a_call_id = std::string(invite.call_id());
  call->a_tag = sip::response_tag(invite);
  call->a_remote_target = uri_of(invite.header(sip::HeaderId::contact));
  call->a_branch = branch_of(invite);
  call->caller_tag = tag_of(invite.from());
  call->phone_cseq[kCaller] = invite.cseq().number;
  call->a_media = std::move(offer.value());
  call->a_srtp_required =
      policy
          ->requires_tls_srtp(invite.header(sip::HeaderId::user_agent), tenant->id, from_uri->user)
          .has_value();
  call->srtp[kCaller] = call->a_media.srtp;
  if (call->a_media.srtp)
    call->a_key = media::SrtpMasterKey::random(call->a_media.crypto->key.suite());
  call->media = std::move(session.value());
  call->id = random_token(9);
  call->tenant_id = tenant->id;
  call->caller = from_uri->user;
  call->callee = target->user;
  call->started_at = unix_now();
  call->ringing_until = Clock::now() + kRingingLimit;
  call->b_call_id = random_token(18);
  const std::string display = account->display_name.empty() ? call->caller : account->display_name;
  call->b_from = "\"" + display + "\" <sip:" + call->caller + "@" + tenant->domain +
                 ">;tag=" + random_token(9);
  call->b_to = "<sip:" + call->callee + "@" + tenant->domain + ">";
  call->invite = sip::parse_message(invite.bytes(), {}).value();  // its own copy of the bytes
  by_call_id_[call->a_call_id] = call;
  by_call_id_[call->b_call_id] = call;

  std::string trying;
  sip::build_response(trying, invite, peer, 100, "Trying");
  call->last_provisional = trying;
  server_.send(call->a_reply_to, std::move(trying));

  // Every registered contact at once (parallel forking, RFC 3261 §16.7).
  for (const auto& binding : bindings) {
    auto branch = std::make_unique<Branch>();
    branch->id = "z9hG4bK" + random_token(12);
    branch->peer = binding.source;
    branch->target = binding.contact;
    branch->via = via(binding.source.transport, branch->id);
    branch->srtp_required =
        policy->requires_tls_srtp(binding.user_agent, tenant->id, call->callee).has_value();
    if (binding.source.transport == sip::Transport::tls) {
      branch->key = media::SrtpMasterKey::random(media::SrtpSuite::aes_cm_128_hmac_sha1_80);
    }
    const auto sdp = lockline_sdp(options_.address, call->media->port(kCallee), call->a_media,
                                  branch->key, 1, true, call->sdp_version[kCallee]);
    std::string request = "INVITE " + branch->target + " SIP/2.0\r\nVia: " + branch->via +
                          "\r\nMax-Forwards: 70\r\nFrom: " + call->b_from +
                          "\r\nTo: " + call->b_to + "\r\nCall-ID: " + call->b_call_id +
                          "\r\nCSeq: 1 INVITE\r\nContact: " + contact(binding.source.transport) +
                          "\r\n" + std::string(kAllow) + "User-Agent: Lockline\r\n" +
                          std::string(kSdpType) + "Content-Length: " + std::to_string(sdp.size()) +
                          "\r\n\r\n" + sdp;
    const auto parsed = sip::parse_message(request, {});
    if (parsed && client_transactions_.start(*parsed, branch->peer, Clock::now()) &&
        server_.send(branch->peer, request)) {
      by_branch_[branch->id] = {call, branch.get()};
    } else {
      branch->done = true;  // its flow is gone (a TCP/TLS connection closed)
    }
    call->branches.push_back(std::move(branch));
  }
  if (std::all_of(call->branches.begin(), call->branches.end(),
                  [](const auto& b) { return b->done; })) {
    answer_caller(*call, 480, "Temporarily Unavailable");
    end(*call);
  }
}

void CallControl::on_response(const sip::Message& response, const sip::Peer& peer) {
  const auto verdict = client_transactions_.on_response(
      response, Clock::now(),
      [this](const sip::Peer& to, const std::string& bytes) { server_.send(to, bytes); });
  if (const auto re = by_reinvite_branch_.find(branch_of(response));
      re != by_reinvite_branch_.end() && response.cseq().method == sip::Method::invite) {
    auto call = re->second;
    if (verdict == sip::ClientTransactions::Verdict::deliver) {
      on_reinvite_response(*call, response);
    } else if (verdict == sip::ClientTransactions::Verdict::unmatched &&
               response.status() / 100 == 2 && !call->reinvite_ack.empty()) {
      server_.send(call->reinvite_ack_to, call->reinvite_ack);
    }
    return;
  }
  const auto it = by_branch_.find(branch_of(response));
  if (verdict == sip::ClientTransactions::Verdict::unmatched) {
    // A retransmitted 2xx to an INVITE: its ACK again (RFC 3261 §13.2.2.4).
    if (response.cseq().method == sip::Method::invite && response.status() / 100 == 2 &&
        it != by_branch_.end() && !it->second.second->ack.empty()) {
      server_.send(it->second.second->peer, it->second.second->ack);
    }
    return;
  }
  if (verdict != sip::ClientTransactions::Verdict::deliver || it == by_branch_.end()) return;
  if (response.cseq().method != sip::Method::invite) return;  // BYE, CANCEL: nothing to do
  auto [call, branch] = it->second;
  (void)peer;
  on_branch_response(*call, *branch, response);
}

void CallControl::on_branch_response(Call& call, Branch& branch, const sip::Message& response) {
  const int status = response.status();
  if (status < 200) {
    branch.provisional = true;  // any provisional, 100 too, allows a CANCEL (§9.1)
    if (branch.cancel_wanted) return cancel_branches(call, nullptr);
    if (status == 100 || call.state != Call::State::proceeding) return;
    // Ringing, relayed without a body: early media would need an answer of its own.
    std::string ringing;
    sip::build_response(ringing, *call.invite, call.a_peer, status == 183 ? 180 : status,
                        status == 183 ? "Ringing" : response.reason(),
                        "Contact: " + contact(call.a_peer.transport) + "\r\n");
    call.last_provisional = ringing;
    server_.send(call.a_reply_to, std::move(ringing));
    return;
  }
  branch.done = true;
  if (status < 300) {
    on_branch_answer(call, branch, response);
    return maybe_end(call);
  }
  on_branch_failed(call, branch, status);
}

void CallControl::maybe_end(Call& call) {
  if (call.state == Call::State::answered || call.state == Call::State::confirmed) return;
  if (std::all_of(call.branches.begin(), call.branches.end(),
                  [](const auto& b) { return b->done; })) {
    end(call);
  }
}

void CallControl::on_branch_answer(Call& call, Branch& branch, const sip::Message& response) {
  branch.to_tag = tag_of(response.to());
  branch.remote_target = uri_of(response.header(sip::HeaderId::contact));
  if (branch.remote_target.empty()) branch.remote_target = branch.target;
  // The ACK to a 2xx is end to end (§13.2.2.4): ours, sent now, kept for retransmitted 2xx.
  branch.ack = "ACK " + branch.remote_target +
               " SIP/2.0\r\nVia: " + via(branch.peer.transport, "z9hG4bK" + random_token(12)) +
               "\r\nMax-Forwards: 70\r\nFrom: " + call.b_from +
               "\r\nTo: " + std::string(response.to()) + "\r\nCall-ID: " + call.b_call_id +
               "\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
  server_.send(branch.peer, branch.ack);
  if (call.winner || call.state != Call::State::proceeding) {
    // Another phone answered first, or the caller gave up: this one is hung up on.
    Branch* previous = call.winner;
    call.winner = &branch;
    send_request(call, kCallee, "BYE");
    call.winner = previous;
    return;
  }
  auto answer = read_phone_media(response.body());
  if (!answer_acceptable(answer, branch.peer, branch.key, branch.srtp_required)) {
    call.winner = &branch;
    send_request(call, kCallee, "BYE");
    call.winner = nullptr;
    return on_branch_failed(call, branch, 488);
  }
  call.winner = &branch;
  call.codec = codec_name(*answer);
  cancel_branches(call, &branch);
  call.b_media = std::move(answer.value());
  call.srtp[kCallee] = call.b_media.srtp;
  setup_media(call);
  const auto sdp = lockline_sdp(options_.address, call.media->port(kCaller), call.b_media,
                                call.a_key, call.a_media.crypto ? call.a_media.crypto->tag : 1,
                                call.a_media.rtcp_mux, call.sdp_version[kCaller], &call.a_media);
  call.last_provisional.clear();
  std::string ok;
  sip::build_response(ok, *call.invite, call.a_peer, 200, "OK",
                      "Contact: " + contact(call.a_peer.transport) + "\r\n" + std::string(kSdpType),
                      sdp);
  await_ack(call, kCaller, call.invite->cseq().number, std::move(ok), call.a_reply_to);
}

void CallControl::setup_media(Call& call) {
  const auto leg = [](const PhoneMedia& phone, const std::optional<media::SrtpMasterKey>& own,
                      const sip::Peer& peer) {
    return media::LegSetup{phone.address, phone.rtcp_mux,
                           phone.srtp ? std::optional(phone.crypto->key) : std::nullopt,
                           phone.srtp ? own : std::nullopt, host_of(peer)};
  };
  call.media->setup(kCaller, leg(call.a_media, call.a_key, call.a_peer));
  call.media->setup(kCallee, leg(call.b_media, call.winner->key, call.winner->peer));
}

// A 2xx to an INVITE is the UAS core's to retransmit until the ACK (RFC 3261 §13.3.1.4).
void CallControl::await_ack(Call& call, int leg, std::uint32_t cseq, std::string bytes,
                            const sip::Peer& to) {
  call.state = Call::State::answered;
  call.ack_leg = leg;
  call.ack_cseq = cseq;
  call.final_2xx = bytes;
  call.resend_to = to;
  call.interval = kT1;
  call.resend_at = Clock::now() + kT1;
  call.give_up_at = Clock::now() + 64 * kT1;
  if (is_reliable(to.transport)) call.resend_at = call.give_up_at;
  server_.send(to, std::move(bytes));
}

void CallControl::on_branch_failed(Call& call, Branch& branch, int status) {
  branch.done = true;
  // The best of the final answers (RFC 3261 §16.7 step 6, simplified): busy beats the rest.
  const bool busy = status == 486 || status == 600;
  if (call.best_status == 0 || busy || (call.best_status != 486 && status < call.best_status)) {
    call.best_status = busy ? 486 : status;
  }
  if (!std::all_of(call.branches.begin(), call.branches.end(),
                   [](const auto& b) { return b->done; })) {
    return;
  }
  if (call.state == Call::State::proceeding) {
    const int final_status = call.best_status == 408 ? 480 : call.best_status;
    const std::string_view reason = final_status == 486   ? "Busy Here"
                                    : final_status == 480 ? "Temporarily Unavailable"
                                    : final_status == 488 ? "Not Acceptable Here"
                                    : final_status == 603 ? "Decline"
                                                          : "Call Failed";
    answer_caller(call, final_status, reason);
  }
  maybe_end(call);
}

void CallControl::answer_caller(Call& call, int status, std::string_view reason) {
  call.last_provisional.clear();
  std::string bytes;
  sip::build_response(bytes, *call.invite, call.a_peer, status, reason);
  // Kept by the transaction layer: retransmitted over UDP until the caller's ACK.
  if (const auto* kept = server_transactions_.answered(*call.invite, call.a_reply_to, status,
                                                       std::move(bytes), Clock::now())) {
    server_.send(call.a_reply_to, *kept);
    return;
  }
  server_.send(call.a_reply_to, std::move(bytes));
}

void CallControl::cancel_branches(Call& call, const Branch* except) {
  for (auto& branch : call.branches) {
    if (branch.get() == except || branch->done) continue;
    if (!branch->provisional) {
      branch->cancel_wanted = true;  // RFC 3261 §9.1: not before a provisional response
      continue;
    }
    if (branch->cancel_wanted && branch->to_tag == "cancelled") continue;
    branch->cancel_wanted = true;
    branch->to_tag = "cancelled";
    const std::string cancel = "CANCEL " + branch->target + " SIP/2.0\r\nVia: " + branch->via +
                               "\r\nMax-Forwards: 70\r\nFrom: " + call.b_from +
                               "\r\nTo: " + call.b_to + "\r\nCall-ID: " + call.b_call_id +
                               "\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
    if (const auto parsed = sip::parse_message(cancel, {})) {
      // The CANCEL's own transaction: same branch, method CANCEL (§9.1).
      client_transactions_.start(*parsed, branch->peer, Clock::now());
    }
    server_.send(branch->peer, cancel);
  }
}

std::string CallControl::dialog_request(const Call& call, int leg, std::string_view method,
                                        std::uint32_t cseq, const std::string& branch,
                                        std::string_view headers, std::string_view body) const {
  std::string request;
  if (leg == kCaller) {
    // Lockline's side of the caller's dialog: its To (with our tag) is our From.
    const auto& invite = *call.invite;
    request = std::string(method) + " " + call.a_remote_target +
              " SIP/2.0\r\nVia: " + via(call.a_peer.transport, branch) +
              "\r\nMax-Forwards: 70\r\nFrom: " + std::string(invite.to()) + ";tag=" + call.a_tag +
              "\r\nTo: " + std::string(invite.from()) + "\r\nCall-ID: " + call.a_call_id;
  } else {
    request = std::string(method) + " " + call.winner->remote_target +
              " SIP/2.0\r\nVia: " + via(call.winner->peer.transport, branch) +
              "\r\nMax-Forwards: 70\r\nFrom: " + call.b_from + "\r\nTo: " + call.b_to +
              ";tag=" + call.winner->to_tag + "\r\nCall-ID: " + call.b_call_id;
  }
  request += "\r\nCSeq: " + std::to_string(cseq) + " " + std::string(method) + "\r\n";
  request += headers;
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

std::string CallControl::send_request(Call& call, int leg, std::string_view method,
                                      std::string_view headers, std::string_view body) {
  const sip::Peer peer = leg == kCaller ? call.a_peer : call.winner->peer;
  const auto cseq = leg == kCaller ? ++call.a_cseq : ++call.b_cseq;
  std::string branch = "z9hG4bK" + random_token(12);
  std::string request = dialog_request(call, leg, method, cseq, branch, headers, body);
  if (const auto parsed = sip::parse_message(request, {})) {
    client_transactions_.start(*parsed, peer, Clock::now());
  }
  server_.send(peer, std::move(request));
  return branch;
}

void CallControl::on_request(const sip::Message& request, const sip::Peer& peer) {
  const auto match = server_transactions_.on_request(request, Clock::now());
  if (match.verdict == sip::ServerTransactions::Verdict::resend) {
    server_.send(sip::reply_destination(request, peer), *match.response);
    return;
  }
  if (match.verdict == sip::ServerTransactions::Verdict::absorbed) return;
  if (request.method() == sip::Method::cancel) return on_cancel(request, peer);
  const auto it = by_call_id_.find(std::string(request.call_id()));
  if (it == by_call_id_.end()) {
    if (request.method() != sip::Method::ack) {
      respond(request, peer, 481, "Call/Transaction Does Not Exist");
    }
    return;
  }
  on_in_dialog(request, peer, *it->second);
}

void CallControl::on_in_dialog(const sip::Message& request, const sip::Peer& peer, Call& call) {
  const bool from_caller = request.call_id() == call.a_call_id;
  // The whole dialog identity (§12.2.2), not the Call-ID alone: Call-ID, both tags.
  const std::string from_tag = tag_of(request.from());
  const std::string to_tag = tag_of(request.to());
  const bool in_dialog =
      from_caller ? from_tag == call.caller_tag && to_tag == call.a_tag
                  : call.winner && from_tag == call.winner->to_tag && to_tag == tag_of(call.b_from);
  if (!in_dialog) {
    if (request.method() != sip::Method::ack) {
      respond(request, peer, 481, "Call/Transaction Does Not Exist");
    }
    return;
  }
  // Only the phone on the leg speaks in its dialog: the dialog's tags and Call-ID are no secret
  // from whoever sees the signalling (a BYE or re-INVITE from elsewhere must not end or redirect
  // the call).
  const int leg = from_caller ? kCaller : kCallee;
  if (!same_phone(peer, leg == kCaller ? call.a_peer : call.winner->peer)) {
    if (request.method() != sip::Method::ack) {
      respond(request, peer, 403, "Not From The Phone On This Call", {}, {}, false);
    }
    return;
  }
  // Out of order: an old request replayed, or one overtaken by a newer one (§12.2.2). A
  // retransmitted re-INVITE is the exception: its answer is sent again below.
  const bool retransmission =
      request.method() == sip::Method::invite && branch_of(request) == call.their_reinvite_branch;
  if (request.method() != sip::Method::ack && !retransmission) {
    const auto cseq = request.cseq().number;
    if (call.phone_cseq[leg] != 0 && cseq <= call.phone_cseq[leg]) {
      return respond(request, peer, 500, "CSeq Out Of Order", {}, {}, false);
    }
    call.phone_cseq[leg] = cseq;
  }
  switch (request.method()) {
    case sip::Method::ack:
      if (call.state == Call::State::answered &&
          call.ack_leg == (from_caller ? kCaller : kCallee) &&
          call.ack_cseq == request.cseq().number) {
        call.state = Call::State::confirmed;
        call.final_2xx.clear();
      }
      return;
    case sip::Method::bye: {
      respond(request, peer, 200, "OK");
      if (from_caller && call.state == Call::State::proceeding) {
        // The caller ends its early dialog (§15): as a CANCEL would.
        return stop_ringing(call, 487, "Request Terminated");
      }
      hang_up(call, !from_caller, from_caller);
      return;
    }
    case sip::Method::invite:
      return on_reinvite(request, peer, call, from_caller ? kCaller : kCallee);
    default:
      respond(request, peer, 501, "Not Implemented", kAllow);
      return;
  }
}

// Hold, resume, a phone's new address or codecs: the re-INVITE's offer goes on to the other phone
// as Lockline's own (its leg's relay port and key), and the other phone's answer comes back the
// same way. Neither phone learns anything of the other's transport or keys.
void CallControl::on_reinvite(const sip::Message& request, const sip::Peer& peer, Call& call,
                              int leg) {
  if (branch_of(request) == call.their_reinvite_branch) {
    // A retransmission: the 2xx again once there is one (a final non-2xx is the transaction
    // layer's to resend).
    if (call.state == Call::State::answered && call.ack_leg == leg) {
      server_.send(call.resend_to, call.final_2xx);
    }
    return;
  }
  if (call.reinvite && call.reinvite->leg == leg) {
    // Its previous re-INVITE is still being answered (§14.2).
    return respond(request, peer, 500, "Server Internal Error", "Retry-After: 1\r\n");
  }
  if (call.reinvite || call.state != Call::State::confirmed) {
    return respond(request, peer, 491, "Request Pending");  // glare (§14.1)
  }
  if (request.body().empty()) {
    return respond(request, peer, 488, "Not Acceptable Here",
                   warning("a re-INVITE without an SDP offer is not supported"));
  }
  auto offer = read_phone_media(request.body());
  if (const auto refusal = offer_refusal(offer, peer); !refusal.empty()) {
    return respond(request, peer, 488, "Not Acceptable Here", warning(refusal));
  }
  const bool srtp_required = leg == kCaller ? call.a_srtp_required : call.winner->srtp_required;
  if (srtp_required && !offer->srtp) {
    return respond(request, peer, 488, "Not Acceptable Here",
                   warning("SRTP is required for this phone (sip.tls_srtp)"));
  }
  call.their_reinvite_branch = branch_of(request);
  respond(request, peer, 100, "Trying", {}, {}, false);
  if (const auto target = uri_of(request.header(sip::HeaderId::contact)); !target.empty()) {
    (leg == kCaller ? call.a_remote_target : call.winner->remote_target) = target;
  }

  const int other = 1 - leg;
  const auto& key = other == kCaller ? call.a_key : call.winner->key;
  const auto sdp = lockline_sdp(options_.address, call.media->port(other), *offer, key, 1, true,
                                ++call.sdp_version[other]);
  const auto other_transport =
      other == kCaller ? call.a_peer.transport : call.winner->peer.transport;
  by_reinvite_branch_.erase(call.our_reinvite_branch);
  call.our_reinvite_branch =
      send_request(call, other, "INVITE",
                   "Contact: " + contact(other_transport) + "\r\n" + std::string(kSdpType), sdp);
  by_reinvite_branch_[call.our_reinvite_branch] = by_call_id_.at(call.a_call_id);
  call.reinvite = Call::Reinvite{sip::parse_message(request.bytes(), {}).value(),
                                 peer,
                                 leg,
                                 std::move(offer.value()),
                                 call.our_reinvite_branch,
                                 other == kCaller ? call.a_cseq : call.b_cseq};
}

void CallControl::on_reinvite_response(Call& call, const sip::Message& response) {
  if (!call.reinvite || branch_of(response) != call.reinvite->branch || response.status() < 200) {
    return;
  }
  auto pending = std::move(*call.reinvite);
  call.reinvite.reset();
  const int status = response.status();
  if (status >= 300) {
    // The other phone keeps the session as it was, and so does the relay (§14.1).
    respond(pending.request, pending.peer, status, response.reason());
    if (status == 481 || status == 408) hang_up(call, true, true);  // its dialog is gone
    return;
  }
  const int other = 1 - pending.leg;
  const sip::Peer& other_peer = other == kCaller ? call.a_peer : call.winner->peer;
  // A 2xx may name a new remote target (§12.2.1.2): the ACK goes there already.
  if (const auto target = uri_of(response.header(sip::HeaderId::contact)); !target.empty()) {
    (other == kCaller ? call.a_remote_target : call.winner->remote_target) = target;
  }
  call.reinvite_ack =
      dialog_request(call, other, "ACK", pending.cseq, "z9hG4bK" + random_token(12));
  call.reinvite_ack_to = other_peer;
  server_.send(other_peer, call.reinvite_ack);

  auto answer = read_phone_media(response.body());
  const auto& offered = other == kCaller ? call.a_key : call.winner->key;
  const bool required = other == kCaller ? call.a_srtp_required : call.winner->srtp_required;
  if (!answer_acceptable(answer, other_peer, offered, required)) {
    // The phones no longer agree on the media: the call ends rather than carry it elsewhere.
    spdlog::info("call {}: the answer to a re-INVITE was not acceptable, hanging up", call.id);
    respond(pending.request, pending.peer, 488, "Not Acceptable Here",
            warning("the other phone's answer was not acceptable"));
    return hang_up(call, true, true);
  }
  // Lockline's key towards the offerer: the one it has, unless the offer changed the suite.
  auto& own = pending.leg == kCaller ? call.a_key : call.winner->key;
  if (pending.offer.srtp && (!own || own->suite() != pending.offer.crypto->key.suite())) {
    own = media::SrtpMasterKey::random(pending.offer.crypto->key.suite());
  }
  (pending.leg == kCaller ? call.a_media : call.b_media) = pending.offer;
  (other == kCaller ? call.a_media : call.b_media) = std::move(answer.value());
  call.srtp[kCaller] = call.a_media.srtp;
  call.srtp[kCallee] = call.b_media.srtp;
  setup_media(call);

  const auto& codecs = other == kCaller ? call.a_media : call.b_media;
  const auto sdp = lockline_sdp(
      options_.address, call.media->port(pending.leg), codecs,
      pending.offer.srtp ? own : std::nullopt, pending.offer.crypto ? pending.offer.crypto->tag : 1,
      pending.offer.rtcp_mux, ++call.sdp_version[pending.leg], &pending.offer);
  std::string ok;
  sip::build_response(
      ok, pending.request, pending.peer, 200, "OK",
      "Contact: " + contact(pending.peer.transport) + "\r\n" + std::string(kSdpType), sdp);
  await_ack(call, pending.leg, pending.request.cseq().number, std::move(ok),
            sip::reply_destination(pending.request, pending.peer));
}

void CallControl::on_cancel(const sip::Message& cancel, const sip::Peer& peer) {
  const auto it = by_call_id_.find(std::string(cancel.call_id()));
  if (it == by_call_id_.end() || it->second->a_call_id != cancel.call_id() ||
      it->second->a_branch != branch_of(cancel)) {
    return respond(cancel, peer, 481, "Call/Transaction Does Not Exist");
  }
  respond(cancel, peer, 200, "OK");
  Call& call = *it->second;
  if (call.state != Call::State::proceeding) return;  // too late: the 2xx crossed it
  stop_ringing(call, 487, "Request Terminated");
}

void CallControl::stop_ringing(Call& call, int status, std::string_view reason) {
  answer_caller(call, status, reason);
  call.state = Call::State::cancelled;
  cancel_branches(call, nullptr);
  maybe_end(call);
}

void CallControl::hang_up(Call& call, bool to_caller, bool to_callee) {
  if (to_caller && (call.state == Call::State::answered || call.state == Call::State::confirmed)) {
    send_request(call, kCaller, "BYE");
  }
  if (to_callee && call.winner) send_request(call, kCallee, "BYE");
  end(call);
}

void CallControl::end(Call& call) {
  if (call.reinvite)
    respond(call.reinvite->request, call.reinvite->peer, 487, "Request Terminated");
  call.reinvite.reset();
  by_reinvite_branch_.erase(call.our_reinvite_branch);
  call.state = Call::State::ended;
  if (call.media) call.media.reset();
  for (const auto& branch : call.branches) {
    if (branch->done) by_branch_.erase(branch->id);
  }
  // Branches still waiting for their CANCEL's 487 stay findable; the call object stays alive
  // through them until their transactions end.
  const auto keep_a = by_call_id_.find(call.a_call_id);
  const auto keep_b = by_call_id_.find(call.b_call_id);
  std::shared_ptr<Call> self = keep_a != by_call_id_.end() ? keep_a->second : nullptr;
  if (keep_a != by_call_id_.end()) by_call_id_.erase(keep_a);
  if (keep_b != by_call_id_.end()) by_call_id_.erase(keep_b);
}

std::vector<CallInfo> CallControl::calls() {
  std::promise<std::vector<CallInfo>> result;
  boost::asio::post(context_, [this, &result] {
    std::vector<CallInfo> out;
    for (const auto& [id, call] : by_call_id_) {
      if (id != call->a_call_id || !call->media) continue;
      CallInfo info;
      info.id = call->id;
      info.tenant_id = call->tenant_id;
      info.codec = call->codec;
      info.caller = call->caller;
      info.callee = call->callee;
      info.state = call->state == Call::State::proceeding ? "ringing" : "answered";
      info.started_at = call->started_at;
      info.legs[0] = {transport_param(call->a_peer.transport),
                      suite_of(call->srtp[kCaller] ? call->a_key : std::nullopt),
                      call->media->stats(kCaller)};
      if (call->winner) {
        info.legs[1] = {transport_param(call->winner->peer.transport),
                        suite_of(call->srtp[kCallee] ? call->winner->key : std::nullopt),
                        call->media->stats(kCallee)};
      }
      out.push_back(std::move(info));
    }
    result.set_value(std::move(out));
  });
  return result.get_future().get();
}

}  // namespace lockline::pbx
