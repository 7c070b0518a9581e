#pragma once
#include "app/config.hpp"

namespace lockline::app {

struct ServeOptions {
  unsigned threads = 0;  // 0: one per core
};

// Runs the server until SIGINT or SIGTERM. Returns the process exit code.
int serve(const Config& config, const ServeOptions& options);

}  // namespace lockline::app
