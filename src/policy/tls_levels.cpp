#include "policy/tls_levels.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace lockline::embedded {
extern const std::string_view kMozillaServerSideTlsJson;
}

namespace lockline::policy {

namespace {

std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::vector<TlsLevel> load() {
  const auto root = boost::json::parse(embedded::kMozillaServerSideTlsJson);
  const auto& configurations = root.at("configurations").as_object();
  // The order of strength is ours; everything else comes from Mozilla's data.
  const char* const names[] = {"old", "intermediate", "modern"};
  std::vector<TlsLevel> levels;
  for (int strength = 0; strength < 3; ++strength) {
    const auto& c = configurations.at(names[strength]).as_object();
    TlsLevel level;
    level.name = names[strength];
    level.strength = strength;
    level.tls_versions = strings(c.at("tls_versions"));
    level.ciphers = strings(c.at("openssl_ciphers"));
    level.ciphersuites = strings(c.at("openssl_ciphersuites"));
    level.curves = strings(c.at("tls_curves"));
    level.certificate_types = strings(c.at("certificate_types"));
    level.server_preferred_order = c.at("server_preferred_order").as_bool();
    if (const auto& dh = c.at("dh_param_size"); dh.is_int64()) {
      level.dh_param_size = static_cast<int>(dh.as_int64());
    }
    level.hsts_min_age = c.at("hsts_min_age").to_number<long long>();
    levels.push_back(std::move(level));
  }
  return levels;
}

}  // namespace

const std::vector<TlsLevel>& tls_levels() {
  static const std::vector<TlsLevel> levels = load();
  return levels;
}

const TlsLevel* find_tls_level(std::string_view name) {
  for (const auto& level : tls_levels()) {
    if (level.name == name) return &level;
  }
  return nullptr;
}

}  // namespace lockline::policy
