#include "app/serve_command.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>

#include "acme/certificate_manager.hpp"
#include "admin/api.hpp"
#include "app/live_config.hpp"
#include "app/store_setup.hpp"
#include "core/io_pool.hpp"
#include "http/responses.hpp"
#include "http/server.hpp"
#include "pbx/auth_throttle.hpp"
#include "pbx/authenticator.hpp"
#include "pbx/call_control.hpp"
#include "pbx/directory.hpp"
#include "pbx/location.hpp"
#include "pbx/registrar.hpp"
#include "pbx/sip_service.hpp"
#include "provisioning/fetch_audit.hpp"
#include "provisioning/handset_book.hpp"
#include "provisioning/provisioning_handler.hpp"
#include "provisioning/templates.hpp"
#include "sip/nonce.hpp"
#include "sip/server.hpp"
#include "store/call_repository.hpp"
#include "store/extension_repository.hpp"

namespace lockline::app {

namespace asio = boost::asio;

namespace {

// Within 2 s of a change by the CLI or the API, the server applies it.
constexpr auto kPollInterval = std::chrono::milliseconds(500);

asio::awaitable<void> watch(LiveConfig& live) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(kPollInterval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    live.poll();
  }
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

asio::awaitable<http::Response> not_found(const http::Request& request) {
  co_return http::error_response(http::Status::not_found, "not found", {}, request.version());
}

// On the thread that may block: picks up extension changes, writes registration changes behind
// (so a restart loses at most about a second of them) and forgets lapsed registrations.
// The calls in progress as rows for the store (lockline calls, /api/v1/calls).
std::vector<store::CallLegRecord> call_rows(const std::vector<pbx::CallInfo>& calls) {
  std::vector<store::CallLegRecord> rows;
  const auto now = unix_now();
  for (const auto& call : calls) {
    for (std::int64_t leg = 0; leg < 2; ++leg) {
      const auto& l = call.legs[leg];
      if (l.transport.empty()) continue;  // the callee's leg before an answer
      rows.push_back({call.tenant_id, call.id, leg, call.caller, call.callee, call.state,
                      call.started_at, l.transport, call.codec, l.srtp, l.media.latched,
                      static_cast<std::int64_t>(l.media.packets_in),
                      static_cast<std::int64_t>(l.media.packets_out),
                      static_cast<std::int64_t>(l.media.bytes_in),
                      static_cast<std::int64_t>(l.media.bytes_out),
                      static_cast<std::int64_t>(l.media.unauthentic + l.media.replayed +
                                                l.media.malformed + l.media.foreign),
                      now});
    }
  }
  return rows;
}

asio::awaitable<void> maintain_sip(store::Database& db, pbx::Directory& directory,
                                   pbx::Location& location, pbx::CallControl& calls,
                                   asio::steady_timer& timer) {
  bool had_calls = true;  // clears what an earlier run may have left
  constexpr auto kInterval = std::chrono::seconds(1);
  constexpr int kExpireEvery = 30;
  constexpr int kTrimEvery = 10;
  for (int tick = 1;; ++tick) {
    timer.expires_after(kInterval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    try {
      directory.refresh();
      location.flush(db);
      const auto rows = call_rows(calls.calls());
      if (!rows.empty() || had_calls) store::CallRepository(db).replace(rows);
      had_calls = !rows.empty();
      if (tick % kExpireEvery == 0) {
        location.expire(unix_now());
        store::ExtensionRepository(db).delete_expired_bindings(unix_now());
      }
      // After a burst (a whole site re-registering), the transactions and nonce counts it left
      // are freed within a minute; give their pages back instead of holding the peak for good.
      if (tick % kTrimEvery == 0) malloc_trim(0);
    } catch (const std::exception& e) {
      spdlog::error("SIP housekeeping failed, trying again: {}", e.what());
    }
  }
}

// Picks up handset changes and writes the fetch audit behind, about once a second.
asio::awaitable<void> maintain_provisioning(store::Database& db,
                                            provisioning::HandsetBook& handsets,
                                            provisioning::FetchAudit& audit,
                                            asio::steady_timer& timer) {
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    try {
      handsets.refresh();
      audit.flush(db);
    } catch (const std::exception& e) {
      spdlog::error("provisioning housekeeping failed, trying again: {}", e.what());
    }
  }
}

void print_first_start(const Config& config, std::uint16_t https_port,
                       const std::optional<std::string>& password) {
  std::cout << "Lockline admin: https://" << config.hostname << ":" << https_port
            << "/  (also https://127.0.0.1:" << https_port << "/)\n";
  if (password) {
    std::cout << "Admin user: admin\nAdmin password (shown once, store it now): " << *password
              << "\n";
  }
  std::cout << std::flush;
}

}  // namespace

int serve(const Config& config, const ServeOptions& options) {
  // OpenSSL writes TLS records to the socket itself: a peer that has gone must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  const ServeLock one_server(config);
  auto db = open_store(config, StoreUse::serve);
  admin::AdminAuth auth(*db);
  admin::SettingsService settings(*db, config.platform);
  admin::CertificateService certificates(*db, config.hostname);
  if (certificates.ensure_certificates()) {
    spdlog::info("made self-signed ECDSA P-256 and RSA 2048 certificates for {}", config.hostname);
  }

  LiveConfig live(database_file(config), config.platform, config.https.port, config.hostname,
                  {config.hostname, config.http.port, config.provisioning_tls.port,
                   config.sip_udp.port, config.sip_tls.port});
  live.load();

  const unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  IoPool pool(threads);
  asio::thread_pool blocking(1);

  // SIP: the accounts and registrations in memory, the store behind them.
  const auto box = open_credentials_box(config);
  pbx::Directory directory(*db, box);
  directory.refresh();
  pbx::Location location;
  location.load(*db, unix_now());
  pbx::AuthThrottle throttle;
  sip::NonceAuthority nonces;
  pbx::Authenticator authenticator(nonces, throttle, live.sip_policy());
  pbx::Registrar registrar(directory, location, authenticator, live.sip_policy());
  pbx::SipService sip_service(throttle, registrar);
  sip::Server sip_server(pool, sip_service, live.sip_tls_context());
  // Calls: the B2BUA on a thread of its own, media through the relay (listen.rtp_ports).
  const auto public_address = effective_public_address(config);
  media::Relay relay({public_address.find(':') == std::string::npos ? "0.0.0.0" : "::",
                      media::parse_port_range(config.rtp_ports, "listen.rtp_ports").value(),
                      std::max(1u, threads / 2)});
  pbx::CallControl calls(
      sip_server, directory, location, authenticator, throttle, live.sip_policy(), relay,
      {public_address, config.sip_udp.port, config.sip_tcp.port, config.sip_tls.port});
  sip_server.set_dialog_handler(&calls);
  sip_server.listen_udp(config.sip_udp);
  sip_server.listen_tcp(config.sip_tcp);
  sip_server.listen_tls(config.sip_tls);
  asio::steady_timer sip_timer(blocking.get_executor());
  asio::co_spawn(blocking.get_executor(), maintain_sip(*db, directory, location, calls, sip_timer),
                 asio::detached);

  // Provisioning: phones fetch their files over plain HTTP (unless provisioning.https) and over
  // mutual TLS on a listener of its own; browsers on the admin HTTPS listener are never asked
  // for a certificate.
  provisioning::HandsetBook handsets(*db);
  handsets.refresh();
  provisioning::FetchAudit fetch_audit;
  provisioning::Templates templates(config.data_dir / "provisioning-templates");
  auto provisioning_handler = std::make_shared<provisioning::ProvisioningHandler>(
      provisioning::ProvisioningServices{live.provisioning_policy(), handsets, box, templates,
                                         fetch_audit, *db, blocking.get_executor()});
  asio::steady_timer provisioning_timer(blocking.get_executor());
  asio::co_spawn(blocking.get_executor(),
                 maintain_provisioning(*db, handsets, fetch_audit, provisioning_timer),
                 asio::detached);

  // ACME: answers HTTP-01 challenges on the plain listener, issues and renews in the background.
  acme::ChallengeResponder challenges;
  auto acme_challenge = [&challenges](http::Request& request) -> asio::awaitable<http::Response> {
    const auto token = request.target().substr(acme::kChallengePrefix.size());
    const auto answer = challenges.find(std::string(token));
    if (!answer) {
      co_return http::error_response(http::Status::not_found, "no such challenge", {},
                                     request.version());
    }
    http::Response response(http::Status::ok, request.version());
    response.set(http::beast_http::field::content_type, "application/octet-stream");
    response.body() = *answer;
    response.prepare_payload();
    co_return response;
  };

  auto api = admin::make_api_handler(
      {settings, certificates, auth, *db, config.platform, blocking.get_executor()});
  const auto is_provisioning = [](const http::Request& request) {
    return request.target().starts_with(provisioning::kProvisioningPrefix);
  };
  http::Server server(
      pool,
      [=](http::Request& request, const http::RequestContext& context) {
        if (!context.secure && is_provisioning(request)) {
          return provisioning_handler->handle(request, context);
        }
        if (!context.secure && request.target().starts_with(acme::kChallengePrefix)) {
          return acme_challenge(request);
        }
        return api(request, context);
      },
      live.web_policy(), live.tls_context());
  const auto http_port = server.listen(config.http, false);
  const auto https_port = server.listen(config.https, true);
  live.set_https_port(https_port);
  const Snapshot<http::WebPolicy> phone_web_policy{std::make_shared<const http::WebPolicy>()};
  http::Server provisioning_server(
      pool,
      [=](http::Request& request, const http::RequestContext& context) {
        if (is_provisioning(request)) return provisioning_handler->handle(request, context);
        return not_found(request);
      },
      phone_web_policy, live.provisioning_tls_context());
  live.set_provisioning_ports(http_port, provisioning_server.listen(config.provisioning_tls, true));
  const auto own_host = config.http.host == "0.0.0.0" ? std::string("127.0.0.1")
                        : config.http.host == "::"    ? std::string("[::1]")
                        : config.http.host.find(':') != std::string::npos
                            ? "[" + config.http.host + "]"
                            : config.http.host;
  acme::CertificateManager certificate_manager(
      *db, challenges, "http://" + own_host + ":" + std::to_string(http_port));
  asio::steady_timer acme_timer(blocking.get_executor());
  asio::co_spawn(blocking.get_executor(), certificate_manager.run(acme_timer), asio::detached);
  spdlog::info("platform {}, {} thread(s), data in {}, public address {}, media relay on {}",
               policy::to_string(config.platform), pool.size(), config.data_dir.string(),
               public_address, media::to_string(relay.io()));
  // Only once the ports are ours: a start that fails must not use up the one-time password.
  print_first_start(config, https_port, auth.ensure_admin());

  asio::co_spawn(pool.main(), watch(live), asio::detached);
  asio::signal_set signals(pool.main(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    certificate_manager.stop();
    server.stop();
    provisioning_server.stop();
    sip_server.stop();
    asio::post(blocking.get_executor(), [&] {
      sip_timer.cancel();
      provisioning_timer.cancel();
      acme_timer.cancel();
    });
    pool.stop();
  });
  pool.run();
  blocking.join();
  location.flush(*db);  // what changed since the last write
  fetch_audit.flush(*db);
  return 0;
}

}  // namespace lockline::app
