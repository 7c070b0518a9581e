#include "policy/platform.hpp"

namespace lockline::policy {

Result<Platform> parse_platform(std::string_view text) {
  if (text == "appliance") return Platform::appliance;
  if (text == "hosted") return Platform::hosted;
  return make_error(
      "platform must be \"appliance\" or \"hosted\", not \"" + std::string(text) + "\"",
      "platform");
}

std::string_view to_string(Platform platform) {
  return platform == Platform::hosted ? "hosted" : "appliance";
}

const std::vector<EnforcedFloor>& hosted_floors() {
  static const std::vector<EnforcedFloor> floors = {
      {"web.force_https", "true"},      {"web.hsts", "true"},
      {"web.hsts_max_age", "63072000"}, {"tls.level", "intermediate"},
      {"sip.tls_srtp.yealink", "true"}, {"sip.tls_srtp.poly", "true"},
      {"sip.tls_srtp.snom", "true"},    {"sip.tls_srtp.grandstream", "true"},
      {"sip.tls_srtp.cisco", "true"},   {"provisioning.https", "true"},
  };
  return floors;
}

const EnforcedFloor* enforced_floor(Platform platform, std::string_view key) {
  if (platform != Platform::hosted) return nullptr;
  for (const auto& floor : hosted_floors()) {
    if (floor.key == key) return &floor;
  }
  return nullptr;
}

std::string effective_value(Platform platform, const SettingSpec& spec, std::string_view stored) {
  const EnforcedFloor* floor = enforced_floor(platform, spec.key);
  if (floor && compare_strength(spec, stored, floor->minimum) < 0) return floor->minimum;
  return std::string(stored);
}

Status check_enforcement(Platform platform, const SettingSpec& spec, std::string_view value) {
  const EnforcedFloor* floor = enforced_floor(platform, spec.key);
  if (floor && compare_strength(spec, value, floor->minimum) < 0) {
    const bool exact = spec.type == SettingType::boolean;
    return make_error("the hosted platform enforces " + spec.key + (exact ? " = " : " >= ") +
                          floor->minimum + "; it cannot be set to " + std::string(value),
                      spec.key, ErrorKind::conflict);
  }
  return ok();
}

}  // namespace lockline::policy
