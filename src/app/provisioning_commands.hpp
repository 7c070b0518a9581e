#pragma once
// The provisioning subcommands: the handset registry, the manufacturers' CAs, the fetch audit.
// Exit codes as for the other commands: 0 done, 1 failure, 2 bad input.
#include <cstdint>
#include <string>

#include "app/config.hpp"
#include "provisioning/handset_service.hpp"

namespace lockline::app {

int handset_add(const Config& config, const provisioning::HandsetInput& input);
int handset_list(const Config& config);
int handset_show(const Config& config, const std::string& mac);
int handset_remove(const Config& config, const std::string& mac);
int handset_trust_reset(const Config& config, const std::string& mac);

int provisioning_ca_add(const Config& config, const std::string& manufacturer,
                        const std::string& file);
int provisioning_ca_list(const Config& config);
int provisioning_ca_remove(const Config& config, std::int64_t id);

int provisioning_audit(const Config& config, std::int64_t limit);

}  // namespace lockline::app
