#pragma once
// `lockline acme ...`: the administrator's side of ACME. The running server does the work (it
// answers the challenges on its HTTP listener); these commands write the request to the store
// and wait for the server's result. Exit codes: 0 done, 1 failed or not done in time, 2 bad input.
#include <cstdint>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace lockline::app {

struct AcmeEnableInput {
  std::vector<std::string> domains;
  std::string email;
  std::string directory;  // empty: Let's Encrypt (or its staging directory with `staging`)
  std::string directory_ca_file;
  bool staging = false;
  std::string key_type = "ecdsa-p256";
  std::int64_t challenge_port = 80;
  bool new_account = false;  // forget the stored account (deactivated or revoked by the CA)
  std::int64_t wait_seconds = 120;
};

int acme_enable(const Config& config, const AcmeEnableInput& input);
int acme_status(const Config& config);
int acme_disable(const Config& config);
int acme_renew(const Config& config, std::int64_t wait_seconds);

}  // namespace lockline::app
