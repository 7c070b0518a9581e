#include "provisioning/handset_service.hpp"

#include <algorithm>
#include <cctype>

#include "pbx/manufacturer.hpp"
#include "provisioning/mac_address.hpp"
#include "store/extension_repository.hpp"

namespace lockline::provisioning {

namespace {

constexpr std::size_t kMaxModel = 32;

Error unknown_handset(std::string_view mac) {
  return make_error("no handset " + display_mac(mac), "mac", ErrorKind::not_found);
}

}  // namespace

Status validate_model(std::string_view model) {
  const bool fits =
      !model.empty() && model.size() <= kMaxModel &&
      std::all_of(model.begin(), model.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!fits) {
    return make_error("model: 1 to 32 letters, digits, '.', '_' or '-' (e.g. T54W)", "model");
  }
  return ok();
}

Result<store::HandsetRecord> HandsetService::add(std::int64_t tenant_id,
                                                 const HandsetInput& input) {
  auto mac = normalize_mac(input.mac);
  if (!mac) return mac.error();
  if (!pbx::manufacturer_from_name(input.manufacturer)) {
    return make_error("manufacturer: one of yealink, poly, snom, grandstream, cisco",
                      "manufacturer");
  }
  if (auto model = validate_model(input.model); !model) return model.error();
  if (!store::ExtensionRepository(db_).find(tenant_id, input.extension)) {
    return make_error(
        "extension: no extension " + input.extension + " (add it first: lockline extension add)",
        "extension", ErrorKind::not_found);
  }
  store::HandsetRecord record;
  record.mac = *mac;
  record.tenant_id = tenant_id;
  record.manufacturer = input.manufacturer;
  record.model = input.model;
  record.extension = input.extension;
  if (!store::HandsetRepository(db_).add(record)) {
    return make_error("mac: handset " + display_mac(*mac) + " exists already", "mac",
                      ErrorKind::conflict);
  }
  return show(tenant_id, *mac);
}

Result<store::HandsetRecord> HandsetService::show(std::int64_t tenant_id, std::string_view text) {
  auto mac = normalize_mac(text);
  if (!mac) return mac.error();
  auto handset = store::HandsetRepository(db_).find(*mac);
  // Another tenant's handset is not there for this one.
  if (!handset || handset->tenant_id != tenant_id) return unknown_handset(*mac);
  return *handset;
}

Status HandsetService::remove(std::int64_t tenant_id, std::string_view text) {
  auto handset = show(tenant_id, text);
  if (!handset) return handset.error();
  store::HandsetRepository(db_).remove(handset->mac);
  return ok();
}

Status HandsetService::trust_reset(std::int64_t tenant_id, std::string_view text) {
  auto handset = show(tenant_id, text);
  if (!handset) return handset.error();
  store::HandsetRepository(db_).reset_trust(handset->mac);
  return ok();
}

std::vector<store::HandsetRecord> HandsetService::list(std::int64_t tenant_id) {
  return store::HandsetRepository(db_).list(tenant_id);
}

}  // namespace lockline::provisioning
