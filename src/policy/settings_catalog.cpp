#include "policy/settings_catalog.hpp"

#include <algorithm>
#include <charconv>

#include "policy/tls_levels.hpp"

namespace lockline::policy {

namespace {

std::vector<std::string> level_names() {
  std::vector<std::string> names;
  for (const auto& level : tls_levels()) names.push_back(level.name);
  return names;
}

std::vector<SettingSpec> build_catalog() {
  const auto* old_level = find_tls_level("old");
  std::vector<SettingSpec> catalog = {
      {"web.force_https",
       SettingType::boolean,
       "false",
       "Answer every plain HTTP request with a 301 redirect to HTTPS "
       "(except /.well-known/acme-challenge/).",
       {},
       0,
       0},
      {"web.hsts",
       SettingType::boolean,
       "false",
       "Send Strict-Transport-Security on every HTTPS response.",
       {},
       0,
       0},
      {"web.hsts_max_age",
       SettingType::integer,
       std::to_string(old_level->hsts_min_age),
       "max-age of the Strict-Transport-Security header, in seconds.",
       {},
       0,
       1'000'000'000},
      {"web.hsts_include_subdomains",
       SettingType::boolean,
       "false",
       "Add includeSubDomains to the Strict-Transport-Security header.",
       {},
       0,
       0},
      {"tls.level", SettingType::choice, "old",
       "Mozilla Server Side TLS 5.0 level for HTTPS and secure provisioning.", level_names(), 0, 0},
      {"sip.digest_algorithms",
       SettingType::choice,
       "sha256,md5",
       "Digest algorithms offered in SIP challenges: SHA-256 then MD5 (RFC 8760), or MD5 only "
       "for phones that fail when SHA-256 is offered (baresip 1.0, SIPp 3.6).",
       {"sha256,md5", "md5"},
       0,
       0},
  };
  catalog.push_back({"provisioning.https",
                     SettingType::boolean,
                     "false",
                     "Serve handsets' configuration files only over mutual TLS "
                     "(listen.provisioning_tls, the handset's factory certificate); plain HTTP "
                     "provisioning then answers 403.",
                     {},
                     0,
                     0});
  // sip.tls_srtp.<manufacturer>: the handsets of that manufacturer must register and call
  // over TLS, with SRTP media.
  for (const char* manufacturer : {"yealink", "poly", "snom", "grandstream", "cisco"}) {
    catalog.push_back({std::string("sip.tls_srtp.") + manufacturer,
                       SettingType::boolean,
                       "false",
                       std::string("Require TLS signalling and SRTP media from ") + manufacturer +
                           " handsets: a plain REGISTER or INVITE from one gets 403, an "
                           "offer without SRTP 488.",
                       {},
                       0,
                       0});
  }
  return catalog;
}

std::string describe_choices(const SettingSpec& spec) {
  std::string out;
  for (const auto& c : spec.choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> catalog = build_catalog();
  return catalog;
}

const SettingSpec* find_setting(std::string_view key) {
  for (const auto& spec : setting_specs()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

Result<std::string> normalize_setting(std::string_view key, std::string_view raw) {
  if (key.empty()) return make_error("a setting name is required", "key");
  const SettingSpec* spec = find_setting(key);
  if (!spec) return make_error("unknown setting '" + std::string(key) + "'", std::string(key));
  const std::string field = spec->key;
  switch (spec->type) {
    case SettingType::boolean:
      if (raw == "true" || raw == "on" || raw == "1" || raw == "yes") return std::string("true");
      if (raw == "false" || raw == "off" || raw == "0" || raw == "no") return std::string("false");
      return make_error(field + " must be true or false, not '" + std::string(raw) + "'", field);
    case SettingType::integer: {
      long long value = 0;
      const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
      if (raw.empty() || ec != std::errc{} || end != raw.data() + raw.size()) {
        return make_error(field + " must be an integer, not '" + std::string(raw) + "'", field);
      }
      if (value < spec->min || value > spec->max) {
        return make_error(field + " must be between " + std::to_string(spec->min) + " and " +
                              std::to_string(spec->max),
                          field);
      }
      return std::to_string(value);
    }
    case SettingType::choice:
      if (std::find(spec->choices.begin(), spec->choices.end(), raw) != spec->choices.end()) {
        return std::string(raw);
      }
      return make_error(
          field + " must be one of " + describe_choices(*spec) + ", not '" + std::string(raw) + "'",
          field);
  }
  return make_error("unsupported setting type", field);
}

int compare_strength(const SettingSpec& spec, std::string_view a, std::string_view b) {
  switch (spec.type) {
    case SettingType::boolean:
      return (a == "true") - (b == "true");
    case SettingType::integer: {
      long long x = 0, y = 0;
      std::from_chars(a.data(), a.data() + a.size(), x);
      std::from_chars(b.data(), b.data() + b.size(), y);
      return (x > y) - (x < y);
    }
    case SettingType::choice: {
      const auto index = [&](std::string_view v) {
        return std::find(spec.choices.begin(), spec.choices.end(), v) - spec.choices.begin();
      };
      const auto x = index(a), y = index(b);
      return (x > y) - (x < y);
    }
  }
  return 0;
}

}  // namespace lockline::policy
