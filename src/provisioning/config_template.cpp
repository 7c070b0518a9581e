#include "provisioning/config_template.hpp"

#include <vector>

namespace lockline::provisioning {

namespace {

constexpr std::size_t kMaxDepth = 8;

bool append_escaped(std::string& out, std::string_view value, Escaping escaping) {
  for (const char c : value) {
    if (escaping == Escaping::flat) {
      if (c == '\n' || c == '\r' || c == '\0') return false;
      out += c;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";  // kept through attribute-value normalisation (a PEM in an attribute)
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return true;
}

}  // namespace

Result<std::string> render_template(std::string_view text, const TemplateValues& values,
                                    Escaping escaping) {
  struct Section {
    std::string_view name;
    bool emitting;  // the enclosing sections and this one are kept
  };
  std::vector<Section> open;
  std::string out;
  out.reserve(text.size() + 256);
  const auto emitting = [&] { return open.empty() || open.back().emitting; };
  std::size_t position = 0;  // what comes before it is handled
  while (position < text.size()) {
    const auto start = text.find("{{", position);
    if (start == std::string_view::npos) {
      if (emitting()) out.append(text.substr(position));
      break;
    }
    const auto end = text.find("}}", start + 2);
    if (end == std::string_view::npos) return make_error("template: unterminated {{", "template");
    const std::string_view tag = text.substr(start + 2, end - start - 2);
    if (tag.empty()) return make_error("template: empty {{}}", "template");
    const char sigil = tag.front();
    const bool section_tag = sigil == '#' || sigil == '^' || sigil == '/';

    // A section tag alone on its line takes the line with it: no blank line is left behind.
    auto text_end = start;
    auto next = end + 2;
    if (section_tag) {
      const auto newline = start == 0 ? std::string_view::npos : text.rfind('\n', start - 1);
      const auto line_start = newline == std::string_view::npos ? 0 : newline + 1;
      auto after = next;
      if (after < text.size() && text[after] == '\r') ++after;
      const bool blank_before =
          line_start >= position &&
          text.substr(line_start, start - line_start).find_first_not_of(" \t") ==
              std::string_view::npos;
      if (blank_before && (after == text.size() || text[after] == '\n')) {
        text_end = line_start;
        next = std::min(after + 1, text.size());
      }
    }
    if (emitting()) out.append(text.substr(position, text_end - position));
    position = next;

    if (sigil == '#' || sigil == '^') {
      const auto name = tag.substr(1);
      const auto flag = values.flags.find(name);
      if (flag == values.flags.end()) {
        return make_error("template: unknown flag {{" + std::string(tag) + "}}", "template");
      }
      if (open.size() == kMaxDepth) return make_error("template: sections nest too deep");
      open.push_back({name, emitting() && flag->second == (sigil == '#')});
    } else if (sigil == '/') {
      if (open.empty() || open.back().name != tag.substr(1)) {
        return make_error("template: {{" + std::string(tag) + "}} closes no open section",
                          "template");
      }
      open.pop_back();
    } else {
      const auto value = values.values.find(tag);
      if (value == values.values.end()) {
        return make_error("template: unknown value {{" + std::string(tag) + "}}", "template");
      }
      if (emitting() && !append_escaped(out, value->second, escaping)) {
        return make_error(
            "template: the value of {{" + std::string(tag) + "}} would break a line of the file",
            "template");
      }
    }
  }
  if (!open.empty()) {
    return make_error("template: {{#" + std::string(open.back().name) + "}} is never closed",
                      "template");
  }
  return out;
}

}  // namespace lockline::provisioning
