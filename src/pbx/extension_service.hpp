#pragma once
// Adding, importing, changing and removing extensions: input checked field by field, the
// password sealed (for provisioning) and hashed as HA1 per digest algorithm for the tenant's
// realm. Used by the CLI; the running server picks changes up from the store.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/secret_box.hpp"
#include "store/database.hpp"
#include "store/extension_repository.hpp"

namespace lockline::pbx {

struct ExtensionInput {
  std::string number;
  std::string password;
  std::string display_name;
};

// Field checks, each error naming its field: number 1-15 digits (dialable, like E.164),
// password 8-128 printable ASCII characters (phones' config files and keypads cope with those),
// display name up to 64 bytes without control characters.
Status validate_extension(const ExtensionInput& input);
Status validate_password(std::string_view password);

// HA1 of number:realm:password per algorithm, for the record.
void set_digest_secrets(store::ExtensionRecord& record, std::string_view realm,
                        std::string_view password);

class ExtensionService {
 public:
  ExtensionService(store::Database& db, const SecretBox& box) : db_(db), box_(box) {}

  Status add(std::int64_t tenant_id, const ExtensionInput& input);
  // Lines "extension,password,name" (RFC 4180 quoting; a first line naming the columns is
  // skipped). All or none: the first bad line is named and nothing is stored. Returns the count.
  Result<std::size_t> import_csv(std::int64_t tenant_id, std::string_view csv);
  Status set_password(std::int64_t tenant_id, const std::string& number,
                      const std::string& password);
  Status remove(std::int64_t tenant_id, const std::string& number);
  std::vector<store::ExtensionRecord> list(std::int64_t tenant_id);

 private:
  Result<std::string> realm_of(std::int64_t tenant_id);
  store::ExtensionRecord make_record(std::int64_t tenant_id, const ExtensionInput& input,
                                     const std::string& realm) const;
  Status add_all(std::int64_t tenant_id, const std::vector<ExtensionInput>& inputs);

  store::Database& db_;
  const SecretBox& box_;
};

}  // namespace lockline::pbx
