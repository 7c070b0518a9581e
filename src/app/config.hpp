#pragma once
// The config file (TOML): platform, hostname, data directory and listen addresses.
#include <filesystem>
#include <optional>
#include <string>

#include "core/endpoint.hpp"
#include "core/result.hpp"
#include "policy/platform.hpp"

namespace lockline::app {

struct Config {
  policy::Platform platform = policy::Platform::appliance;
  std::string hostname;
  std::filesystem::path data_dir = "var";
  Endpoint http{"0.0.0.0", 8080};
  Endpoint https{"0.0.0.0", 8443};
  Endpoint provisioning_tls{"0.0.0.0", 8444};
  Endpoint sip_udp{"0.0.0.0", 5060};
  Endpoint sip_tcp{"0.0.0.0", 5060};
  Endpoint sip_tls{"0.0.0.0", 5061};
  std::string rtp_ports = "20000-29999";
  // Where phones reach Lockline, in SIP Via/Contact headers and SDP: a numeric address. Empty:
  // this machine's primary address (the source of its default route).
  std::string public_address;
};

// The public address the config names, or this machine's primary one, or 127.0.0.1.
std::string effective_public_address(const Config& config);

// Defaults, with this machine's host name.
Config default_config();
// The file as text, in the contract's layout.
std::string render_config(const Config& config);
// Parses the file; an error names the key at fault. data_dir is made relative to the file.
Result<Config> parse_config(const std::string& text, const std::filesystem::path& file);

struct ConfigLocation {
  std::optional<std::filesystem::path> file;      // --config, or ./lockline.toml when present
  std::optional<std::filesystem::path> data_dir;  // --data-dir
};

// Loads the config for a command; write_if_missing makes the file with defaults (serve).
Result<Config> load_config(const ConfigLocation& location, bool write_if_missing);

}  // namespace lockline::app
