#include "pbx/extension_service.hpp"

#include <algorithm>
#include <unordered_map>

#include "sip/digest.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::pbx {

namespace {

constexpr std::size_t kMaxNumber = 15;
constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 128;
constexpr std::size_t kMaxDisplayName = 64;

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// One CSV record (RFC 4180): fields split by commas, "..." quoting with "" for a quote.
Result<std::vector<std::string>> split_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return make_error("unterminated quote");
  return fields;
}

}  // namespace

Status validate_password(std::string_view password) {
  if (password.size() < kMinPassword || password.size() > kMaxPassword) {
    return make_error("password: must be 8 to 128 characters", "password");
  }
  if (!std::all_of(password.begin(), password.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return make_error("password: printable ASCII without spaces only", "password");
  }
  return ok();
}

Status validate_extension(const ExtensionInput& input) {
  const auto& n = input.number;
  if (n.empty() || n.size() > kMaxNumber ||
      !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error("extension number '" + n + "': must be 1 to 15 digits", "number");
  }
  if (auto status = validate_password(input.password); !status) return status;
  if (input.display_name.size() > kMaxDisplayName ||
      std::any_of(input.display_name.begin(), input.display_name.end(),
                  [](char c) { return is_control(static_cast<unsigned char>(c)); })) {
    return make_error("name: at most 64 bytes, no control characters", "name");
  }
  return ok();
}

void set_digest_secrets(store::ExtensionRecord& record, std::string_view realm,
                        std::string_view password) {
  using sip::DigestAlgorithm;
  record.ha1_realm = realm;
  record.ha1_md5 = sip::digest_ha1(DigestAlgorithm::md5, record.number, realm, password);
  record.ha1_sha256 = sip::digest_ha1(DigestAlgorithm::sha256, record.number, realm, password);
}

Result<std::string> ExtensionService::realm_of(std::int64_t tenant_id) {
  for (const auto& tenant : store::list_tenants(db_)) {
    if (tenant.id == tenant_id) return tenant.domain;
  }
  return make_error("no such tenant", "tenant", ErrorKind::not_found);
}

store::ExtensionRecord ExtensionService::make_record(std::int64_t tenant_id,
                                                     const ExtensionInput& input,
                                                     const std::string& realm) const {
  store::ExtensionRecord record;
  record.tenant_id = tenant_id;
  record.number = input.number;
  record.display_name = input.display_name;
  record.password_sealed = box_.seal(input.password);
  set_digest_secrets(record, realm, input.password);
  return record;
}

Status ExtensionService::add_all(std::int64_t tenant_id,
                                 const std::vector<ExtensionInput>& inputs) {
  auto realm = realm_of(tenant_id);
  if (!realm) return realm.error();
  std::vector<store::ExtensionRecord> records;
  records.reserve(inputs.size());
  for (const auto& input : inputs) records.push_back(make_record(tenant_id, input, *realm));
  std::string existing;
  if (!store::ExtensionRepository(db_).add(records, &existing)) {
    return make_error("extension " + existing + " exists already", "number");
  }
  return ok();
}

Status ExtensionService::add(std::int64_t tenant_id, const ExtensionInput& input) {
  if (auto status = validate_extension(input); !status) return status;
  return add_all(tenant_id, {input});
}

Result<std::size_t> ExtensionService::import_csv(std::int64_t tenant_id, std::string_view csv) {
  std::vector<ExtensionInput> inputs;
  std::unordered_map<std::string, std::size_t> line_of;
  std::size_t line_number = 0;
  while (!csv.empty()) {
    const auto end = csv.find('\n');
    auto line = csv.substr(0, end);
    csv = end == std::string_view::npos ? std::string_view{} : csv.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const auto at = "line " + std::to_string(line_number) + ": ";
    auto fields = split_csv_line(line);
    if (!fields) return make_error(at + fields.error().message, "file");
    if (inputs.empty() && line_of.empty() && !fields->empty() &&
        (fields->front() == "extension" || fields->front() == "number")) {
      continue;  // a header line
    }
    if (fields->size() < 2 || fields->size() > 3) {
      return make_error(at + "expected extension,password,name", "file");
    }
    ExtensionInput input{(*fields)[0], (*fields)[1], fields->size() == 3 ? (*fields)[2] : ""};
    if (auto status = validate_extension(input); !status) {
      return make_error(at + status.error().message, "file");
    }
    const auto [previous, added] = line_of.emplace(input.number, line_number);
    if (!added) {
      return make_error(at + "extension " + input.number + " is on line " +
                            std::to_string(previous->second) + " already",
                        "file");
    }
    inputs.push_back(std::move(input));
  }
  if (inputs.empty()) return make_error("the file has no extensions", "file");
  if (auto status = add_all(tenant_id, inputs); !status) return status.error();
  return inputs.size();
}

Status ExtensionService::set_password(std::int64_t tenant_id, const std::string& number,
                                      const std::string& password) {
  if (auto status = validate_password(password); !status) return status;
  auto realm = realm_of(tenant_id);
  if (!realm) return realm.error();
  store::ExtensionRepository repository(db_);
  auto record = repository.find(tenant_id, number);
  if (!record) return make_error("no extension " + number, "number", ErrorKind::not_found);
  record->password_sealed = box_.seal(password);
  set_digest_secrets(*record, *realm, password);
  if (!repository.update_secret(*record)) {
    return make_error("no extension " + number, "number", ErrorKind::not_found);
  }
  return ok();
}

Status ExtensionService::remove(std::int64_t tenant_id, const std::string& number) {
  if (!store::ExtensionRepository(db_).remove(tenant_id, number)) {
    return make_error("no extension " + number, "number", ErrorKind::not_found);
  }
  return ok();
}

std::vector<store::ExtensionRecord> ExtensionService::list(std::int64_t tenant_id) {
  return store::ExtensionRepository(db_).list(tenant_id);
}

}  // namespace lockline::pbx
