#include "app/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <fstream>
#include <set>
#include <sstream>

#include "media/port_range.hpp"
#include "media/socket_address.hpp"

namespace lockline::app {

namespace fs = std::filesystem;

Config default_config() {
  Config config;
  char name[256] = {};
  config.hostname = gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "localhost";
  return config;
}

std::string render_config(const Config& c) {
  std::ostringstream out;
  out << "platform = \"" << policy::to_string(c.platform) << "\"            # or \"hosted\"\n"
      << "hostname = \"" << c.hostname << "\"\n"
      << "data_dir = \"" << c.data_dir.string() << "\"\n"
      << "[listen]\n"
      << "http = \"" << c.http.to_string() << "\"\n"
      << "https = \"" << c.https.to_string() << "\"\n"
      << "provisioning_tls = \"" << c.provisioning_tls.to_string() << "\"\n"
      << "sip_udp = \"" << c.sip_udp.to_string() << "\"\n"
      << "sip_tcp = \"" << c.sip_tcp.to_string() << "\"\n"
      << "sip_tls = \"" << c.sip_tls.to_string() << "\"\n"
      << "rtp_ports = \"" << c.rtp_ports << "\"\n"
      << "public_address = \"" << c.public_address
      << "\"   # in SIP and SDP; empty: this machine's primary address\n";
  return out.str();
}

std::string effective_public_address(const Config& config) {
  if (!config.public_address.empty()) return config.public_address;
  // The source address of the default route: a UDP connect sends nothing.
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in probe{};
  probe.sin_family = AF_INET;
  probe.sin_port = htons(9);
  inet_pton(AF_INET, "192.0.2.1", &probe.sin_addr);
  std::string address = "127.0.0.1";
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&probe), sizeof probe) == 0) {
    sockaddr_in local{};
    socklen_t length = sizeof local;
    char text[INET_ADDRSTRLEN] = {};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
        inet_ntop(AF_INET, &local.sin_addr, text, sizeof text)) {
      address = text;
    }
  }
  if (fd >= 0) ::close(fd);
  return address;
}

namespace {

Result<std::string> string_at(const toml::table& table, const std::string& key,
                              const std::string& field, const std::string& fallback) {
  const auto* node = table.get(key);
  if (!node) return fallback;
  if (const auto* s = node->as_string()) return s->get();
  return make_error(field + " must be a string", field);
}

Status read_endpoint(const toml::table& listen, const std::string& key, Endpoint& out) {
  const std::string field = "listen." + key;
  auto text = string_at(listen, key, field, out.to_string());
  if (!text) return text.error();
  auto endpoint = parse_endpoint(*text, field);
  if (!endpoint) return endpoint.error();
  out = *endpoint;
  return ok();
}

Status check_known_keys(const toml::table& table, const std::set<std::string>& known,
                        const std::string& prefix) {
  for (const auto& [key, node] : table) {
    const std::string name = prefix + std::string(key.str());
    if (!known.count(std::string(key.str()))) {
      return make_error("unknown key '" + name + "' in config file",
                        key.str().empty() ? "config" : name);
    }
  }
  return ok();
}

}  // namespace

Result<Config> parse_config(const std::string& text, const fs::path& file) {
  toml::table table;
  try {
    table = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream why;
    why << file.string() << ":" << e.source().begin.line << ": " << e.description();
    return make_error(why.str(), "config");
  }
  if (auto known = check_known_keys(table, {"platform", "hostname", "data_dir", "listen"}, "");
      !known) {
    return known.error();
  }
  Config config = default_config();
  auto platform = string_at(table, "platform", "platform", "appliance");
  if (!platform) return platform.error();
  auto parsed_platform = policy::parse_platform(*platform);
  if (!parsed_platform) return parsed_platform.error();
  config.platform = *parsed_platform;

  auto hostname = string_at(table, "hostname", "hostname", config.hostname);
  if (!hostname) return hostname.error();
  if (hostname->empty() || hostname->size() > 253 ||
      hostname->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                  ".-") != std::string::npos) {
    return make_error("hostname must be a DNS name, not '" + *hostname + "'", "hostname");
  }
  config.hostname = *hostname;

  auto data_dir = string_at(table, "data_dir", "data_dir", "var");
  if (!data_dir) return data_dir.error();
  config.data_dir = fs::path(*data_dir);
  if (config.data_dir.is_relative()) config.data_dir = file.parent_path() / config.data_dir;

  if (const auto* listen_node = table.get("listen")) {
    const auto* listen = listen_node->as_table();
    if (!listen) return make_error("listen must be a table", "listen");
    if (auto known = check_known_keys(*listen,
                                      {"http", "https", "provisioning_tls", "sip_udp", "sip_tcp",
                                       "sip_tls", "rtp_ports", "public_address"},
                                      "listen.");
        !known) {
      return known.error();
    }
    for (auto [key, endpoint] : {std::pair{"http", &config.http},
                                 {"https", &config.https},
                                 {"provisioning_tls", &config.provisioning_tls},
                                 {"sip_udp", &config.sip_udp},
                                 {"sip_tcp", &config.sip_tcp},
                                 {"sip_tls", &config.sip_tls}}) {
      if (auto read = read_endpoint(*listen, key, *endpoint); !read) return read.error();
    }
    auto rtp = string_at(*listen, "rtp_ports", "listen.rtp_ports", config.rtp_ports);
    if (!rtp) return rtp.error();
    if (auto range = media::parse_port_range(*rtp, "listen.rtp_ports"); !range) {
      return range.error();
    }
    config.rtp_ports = *rtp;
    auto address = string_at(*listen, "public_address", "listen.public_address", "");
    if (!address) return address.error();
    if (!address->empty() && !media::SocketAddress::from(*address, 0)) {
      return make_error("listen.public_address must be a numeric IPv4 or IPv6 address",
                        "listen.public_address");
    }
    config.public_address = *address;
  }
  return config;
}

Result<Config> load_config(const ConfigLocation& location, bool write_if_missing) {
  const fs::path file = location.file.value_or(fs::path("lockline.toml"));
  const fs::path absolute = fs::absolute(file);
  Config config;
  std::error_code ec;
  if (fs::exists(absolute, ec)) {
    std::ifstream in(absolute);
    if (!in) return make_error("cannot read " + absolute.string(), "config");
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_config(text.str(), absolute);
    if (!parsed) return parsed.error();
    config = std::move(*parsed);
  } else if (location.file && !write_if_missing) {
    return make_error("config file " + file.string() + " does not exist", "config");
  } else {
    config = default_config();
    if (write_if_missing) {
      std::ofstream out(absolute);
      out << render_config(config);
      if (!out) return make_error("cannot write " + absolute.string(), "config");
    }
    config.data_dir = absolute.parent_path() / config.data_dir;
  }
  if (location.data_dir) config.data_dir = fs::absolute(*location.data_dir);
  return config;
}

}  // namespace lockline::app
