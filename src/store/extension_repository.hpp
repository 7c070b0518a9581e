#pragma once
// SIP extensions (the accounts phones register with) and their stored registrations.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace lockline::store {

struct ExtensionRecord {
  std::int64_t tenant_id = 0;
  std::string number;
  std::string display_name;
  std::string password_sealed;  // secret_box output
  std::string ha1_realm;
  std::string ha1_md5;
  std::string ha1_sha256;
};

struct BindingRecord {
  std::int64_t tenant_id = 0;
  std::string extension;
  std::string contact;
  std::string transport;
  std::string source;
  std::string user_agent;
  std::string call_id;
  std::int64_t cseq = 0;
  std::int64_t expires_at = 0;  // unix time
};

class ExtensionRepository {
 public:
  explicit ExtensionRepository(Database& db) : db_(db) {}

  // Adds all or none; false (and nothing stored) when one of them exists already, with its
  // number in `existing`.
  bool add(const std::vector<ExtensionRecord>& extensions, std::string* existing = nullptr);
  bool update_secret(const ExtensionRecord& extension);  // password and HA1s; false if unknown
  bool remove(std::int64_t tenant_id, const std::string& number);
  std::optional<ExtensionRecord> find(std::int64_t tenant_id, const std::string& number);
  std::vector<ExtensionRecord> list(std::optional<std::int64_t> tenant_id = std::nullopt);
  // Moves with every change to any extension.
  std::int64_t revision();

  // In one transaction: replaces the stored bindings of each (tenant, extension) in
  // `extensions` by `bindings`, and rewrites the `refreshed` bindings in place (their extension
  // kept its contacts; the row is inserted if missing). Bindings of extensions that no longer
  // exist are not stored.
  void replace_bindings(const std::vector<std::pair<std::int64_t, std::string>>& extensions,
                        const std::vector<BindingRecord>& bindings,
                        const std::vector<BindingRecord>& refreshed = {});
  // Unexpired bindings, ordered by tenant, extension, contact.
  std::vector<BindingRecord> bindings(std::int64_t now);
  void delete_expired_bindings(std::int64_t now);

 private:
  Database& db_;
};

}  // namespace lockline::store
