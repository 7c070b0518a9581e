#pragma once
// The administrative subcommands. Each works while the server runs: it writes the store and
// the server applies the change within 2 s. Exit codes: 0 done, 1 failure, 2 bad input,
// 3 refused by platform enforcement.
#include <map>
#include <string>

#include "app/config.hpp"

namespace lockline::app {

int settings_list(const Config& config);
int settings_get(const Config& config, const std::string& key);
int settings_set(const Config& config, const std::map<std::string, std::string>& values);
int cert_import(const Config& config, const std::string& cert_file, const std::string& key_file);
int cert_show(const Config& config);
int token_create(const Config& config, const std::string& name);
int token_list(const Config& config);
int token_revoke(const Config& config, long long id);
int admin_reset_password(const Config& config);
int tls_levels(const Config& config);

}  // namespace lockline::app
