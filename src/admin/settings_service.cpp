#include "admin/settings_service.hpp"

#include "store/settings_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::admin {

namespace {

SettingView view(policy::Platform platform, const policy::SettingSpec& spec,
                 const std::map<std::string, std::string>& stored) {
  SettingView v;
  v.spec = &spec;
  if (const auto it = stored.find(spec.key); it != stored.end()) v.stored = it->second;
  v.effective = policy::effective_value(platform, spec, v.stored.value_or(spec.default_value));
  if (const auto* floor = policy::enforced_floor(platform, spec.key)) {
    v.enforced_minimum = floor->minimum;
  }
  return v;
}

}  // namespace

std::vector<SettingView> SettingsService::list() {
  const auto stored = store::SettingsRepository(db_).load(store::kDefaultTenant);
  std::vector<SettingView> out;
  for (const auto& spec : policy::setting_specs()) out.push_back(view(platform_, spec, stored));
  return out;
}

Result<SettingView> SettingsService::get(const std::string& key) {
  const auto* spec = policy::find_setting(key);
  if (!spec) return make_error("unknown setting '" + key + "'", key, ErrorKind::not_found);
  return view(platform_, *spec, store::SettingsRepository(db_).load(store::kDefaultTenant));
}

Status SettingsService::set(const std::map<std::string, std::string>& raw) {
  if (raw.empty()) return make_error("no setting given", "settings");
  std::map<std::string, std::string> canonical;
  for (const auto& [key, text] : raw) {
    auto value = policy::normalize_setting(key, text);
    if (!value) return value.error();
    if (auto allowed = policy::check_enforcement(platform_, *policy::find_setting(key), *value);
        !allowed) {
      return allowed.error();
    }
    canonical.emplace(key, std::move(*value));
  }
  store::SettingsRepository(db_).store(store::kDefaultTenant, canonical);
  return ok();
}

}  // namespace lockline::admin
