#pragma once
// The SIP subcommands: extensions (the accounts phones register with), registrations, calls.
// Exit codes as for the other commands: 0 done, 1 failure, 2 bad input.
#include <string>

#include "app/config.hpp"
#include "pbx/extension_service.hpp"

namespace lockline::app {

int extension_add(const Config& config, const pbx::ExtensionInput& input);
int extension_import(const Config& config, const std::string& file);
int extension_passwd(const Config& config, const std::string& number, const std::string& password);
int extension_remove(const Config& config, const std::string& number);
int extension_list(const Config& config);
int registrations_list(const Config& config);
int calls_list(const Config& config);

}  // namespace lockline::app
