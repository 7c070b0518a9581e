#pragma once
// Mozilla Server Side TLS 5.0 levels, loaded from the compiled-in guideline data.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockline::policy {

struct TlsLevel {
  std::string name;                       // "old", "intermediate", "modern"
  int strength = 0;                       // old < intermediate < modern
  std::vector<std::string> tls_versions;  // "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
  std::vector<std::string> ciphers;       // TLS <= 1.2 suites, OpenSSL names, in Mozilla's order
  std::vector<std::string> ciphersuites;  // TLS 1.3 suites
  std::vector<std::string> curves;        // key-exchange groups
  std::vector<std::string> certificate_types;  // "rsa", "ecdsa"
  bool server_preferred_order = false;
  std::optional<int> dh_param_size;
  long long hsts_min_age = 0;
};

// Levels from weakest to strongest.
const std::vector<TlsLevel>& tls_levels();
const TlsLevel* find_tls_level(std::string_view name);

}  // namespace lockline::policy
