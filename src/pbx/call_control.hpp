#pragma once
// Calls between extensions: Lockline as a back-to-back user agent (RFC 3261 §6 "B2BUA"). The
// caller's INVITE is authenticated (407, the REGISTER nonces), then a second leg goes to every
// registered contact of the callee at once; the first 2xx wins and the other branches are
// cancelled. Each leg is a dialog of its own, with its own Call-ID, tags and SDP: the media of
// both legs is anchored in the relay, with its own ports and keys per leg (pbx/call_media.hpp).
//
// Everything runs on one thread of its own, which owns every call, its transactions and its
// timers outright: the SIP workers post dialog messages here (sip::DialogHandler).
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/relay.hpp"
#include "pbx/auth_throttle.hpp"
#include "pbx/authenticator.hpp"
#include "pbx/directory.hpp"
#include "pbx/location.hpp"
#include "pbx/sip_policy.hpp"
#include "sip/client_transactions.hpp"
#include "sip/server.hpp"
#include "sip/server_transactions.hpp"

namespace lockline::pbx {

struct CallOptions {
  std::string address = "127.0.0.1";  // Lockline's address in Via, Contact and SDP
  std::uint16_t udp_port = 5060;
  std::uint16_t tcp_port = 5060;
  std::uint16_t tls_port = 5061;
  std::size_t max_calls = 10000;
};

// A call as `lockline calls` shows it.
struct CallInfo {
  std::string id;  // Lockline's own, not a SIP Call-ID
  std::int64_t tenant_id = 0;
  std::string caller, callee;
  std::string state;  // "ringing", "answered"
  std::string codec;  // "PCMU/8000": the first format of the answer
  std::int64_t started_at = 0;
  struct Leg {
    std::string transport;  // "udp", "tcp", "tls"
    std::string srtp;       // the suite, or "" for plain RTP
    media::LegStats media;
  };
  Leg legs[2];
};

class CallControl : public sip::DialogHandler {
 public:
  CallControl(sip::Server& server, const Directory& directory, Location& location,
              Authenticator& authenticator, AuthThrottle& throttle,
              const Snapshot<SipPolicy>& policy, media::Relay& relay, CallOptions options);
  ~CallControl() override;  // ends every call's media and stops the thread

  boost::asio::any_io_executor executor() override { return context_.get_executor(); }
  void on_message(sip::Message message, const sip::Peer& peer) override;

  // From any thread (waits for the call thread).
  std::vector<CallInfo> calls();

 private:
  struct Call;
  struct Branch;

  void on_request(const sip::Message& request, const sip::Peer& peer);
  void on_response(const sip::Message& response, const sip::Peer& peer);
  void on_invite(const sip::Message& invite, const sip::Peer& peer);
  void on_in_dialog(const sip::Message& request, const sip::Peer& peer, Call& call);
  void on_reinvite(const sip::Message& request, const sip::Peer& peer, Call& call, int leg);
  void on_reinvite_response(Call& call, const sip::Message& response);
  void on_cancel(const sip::Message& cancel, const sip::Peer& peer);
  void on_branch_response(Call& call, Branch& branch, const sip::Message& response);
  void on_branch_answer(Call& call, Branch& branch, const sip::Message& response);
  void on_branch_failed(Call& call, Branch& branch, int status);
  void maybe_end(Call& call);  // ends a call nobody answered once every branch is done
  void answer_caller(Call& call, int status, std::string_view reason);
  void await_ack(Call& call, int leg, std::uint32_t cseq, std::string bytes, const sip::Peer& to);
  void setup_media(Call& call);
  void cancel_branches(Call& call, const Branch* except);
  void stop_ringing(Call& call, int status, std::string_view reason);  // to the caller, CANCELs
  void hang_up(Call& call, bool to_caller, bool to_callee);
  void end(Call& call);
  // A request in the caller's dialog (leg 0) or the answering callee's (leg 1); returns the
  // branch of its transaction.
  std::string send_request(Call& call, int leg, std::string_view method,
                           std::string_view headers = {}, std::string_view body = {});
  std::string dialog_request(const Call& call, int leg, std::string_view method, std::uint32_t cseq,
                             const std::string& branch, std::string_view headers = {},
                             std::string_view body = {}) const;
  void respond(const sip::Message& request, const sip::Peer& peer, int status,
               std::string_view reason, std::string_view headers = {}, std::string_view body = {},
               bool keep = true);
  void tick();
  std::string via(sip::Transport transport, const std::string& branch) const;
  std::string contact(sip::Transport transport) const;

  sip::Server& server_;
  const Directory& directory_;
  Location& location_;
  Authenticator& auth_;
  AuthThrottle& throttle_;
  const Snapshot<SipPolicy>& policy_;
  media::Relay& relay_;
  CallOptions options_;

  sip::ServerTransactions server_transactions_;
  sip::ClientTransactions client_transactions_;
  std::unordered_map<std::string, std::shared_ptr<Call>> by_call_id_;  // both legs' Call-IDs
  std::unordered_map<std::string, std::pair<std::shared_ptr<Call>, Branch*>> by_branch_;
  std::unordered_map<std::string, std::shared_ptr<Call>> by_reinvite_branch_;  // Lockline's

  boost::asio::io_context context_;
  boost::asio::steady_timer timer_;
  std::uint64_t ticks_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lockline::pbx
