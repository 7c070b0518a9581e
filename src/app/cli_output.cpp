#include "app/cli_output.hpp"

#include <ctime>

#include <fstream>
#include <iostream>
#include <sstream>

namespace lockline::app {

int exit_code(const Error& e) {
  std::cerr << "error: " << e.message << "\n";
  switch (e.kind) {
    case ErrorKind::invalid:
    case ErrorKind::not_found:
      return 2;
    case ErrorKind::conflict:
      return 3;
    default:
      return 1;
  }
}

Result<std::string> read_file(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(option + ": cannot read '" + path + "'", option);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string utc_time_text(std::int64_t at, const char* none) {
  if (at == 0) return none;
  const auto t = static_cast<std::time_t>(at);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

}  // namespace lockline::app
