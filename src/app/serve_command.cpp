#include "app/serve_command.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <iostream>
#include <thread>

#include "admin/api.hpp"
#include "app/live_config.hpp"
#include "app/store_setup.hpp"
#include "core/io_pool.hpp"
#include "http/server.hpp"

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
  auto db = open_store(config, StoreUse::serve);
  admin::AdminAuth auth(*db);
  admin::SettingsService settings(*db, config.platform);
  admin::CertificateService certificates(*db, config.hostname);
  if (certificates.ensure_certificates()) {
    spdlog::info("made self-signed ECDSA P-256 and RSA 2048 certificates for {}", config.hostname);
  }

  LiveConfig live(database_file(config), config.platform, config.https.port, config.hostname);
  live.load();

  const unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  IoPool pool(threads);
  asio::thread_pool blocking(1);
  http::Server server(pool,
                      admin::make_api_handler(
                          {settings, certificates, auth, config.platform, blocking.get_executor()}),
                      live.web_policy(), live.tls_context());
  server.listen(config.http, false);
  const auto https_port = server.listen(config.https, true);
  live.set_https_port(https_port);
  spdlog::info("platform {}, {} thread(s), data in {}", policy::to_string(config.platform),
               pool.size(), config.data_dir.string());
  // Only once the ports are ours: a start that fails must not use up the one-time password.
  print_first_start(config, https_port, auth.ensure_admin());

  asio::co_spawn(pool.main(), watch(live), asio::detached);
  asio::signal_set signals(pool.main(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: shutting down", signal);
    server.stop();
    pool.stop();
  });
  pool.run();
  blocking.join();
  return 0;
}

}  // namespace lockline::app
