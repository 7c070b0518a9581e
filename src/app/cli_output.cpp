#include "app/cli_output.hpp"

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

}  // namespace lockline::app
