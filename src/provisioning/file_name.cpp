#include "provisioning/file_name.hpp"

#include <algorithm>
#include <cctype>

#include "provisioning/mac_address.hpp"

namespace lockline::provisioning {

namespace {

using pbx::Manufacturer;

bool all_of(std::string_view text, int (*test)(int)) {
  return std::all_of(text.begin(), text.end(),
                     [test](char c) { return test(static_cast<unsigned char>(c)) != 0; });
}

// 12 hex digits, any case, as a MAC; nullopt otherwise.
std::optional<std::string> mac_in(std::string_view text) {
  if (text.size() != 12 || !all_of(text, isxdigit)) return std::nullopt;
  auto mac = normalize_mac(text);
  return mac ? std::optional(*mac) : std::nullopt;
}

bool ends_with(std::string_view text, std::string_view suffix, std::string_view& stem) {
  if (!text.ends_with(suffix)) return false;
  stem = text.substr(0, text.size() - suffix.size());
  return true;
}

FileName handset(std::string_view name, std::string mac, std::vector<FileChoice> choices,
                 std::string_view model = {}) {
  return {FileKind::handset, std::string(name), std::move(choices), std::move(mac),
          std::string(model)};
}

FileName common(std::string_view name, Manufacturer manufacturer, std::string template_name,
                std::string_view model = {}) {
  return {FileKind::common,
          std::string(name),
          {{manufacturer, std::move(template_name)}},
          {},
          std::string(model)};
}

}  // namespace

Result<FileName> parse_file_name(std::string_view name) {
  const auto unknown = [&] {
    return make_error("no phone asks for a file named '" + std::string(name) + "'", "file",
                      ErrorKind::not_found);
  };
  std::string_view stem;
  if (name == "lockline-ca.pem") return FileName{FileKind::trust, std::string(name), {}, {}, {}};
  if (name == "000000000000.cfg") return common(name, Manufacturer::poly, "master.cfg");
  if (ends_with(name, ".cfg", stem)) {
    // y0000000000XX.cfg: Yealink's common file, XX naming the model family.
    if (stem.size() == 13 && stem.starts_with("y0000000000") && all_of(stem.substr(1), isdigit)) {
      return common(name, Manufacturer::yealink, "common.cfg");
    }
    if (auto mac = mac_in(stem)) {
      return handset(name, *mac,
                     {{Manufacturer::yealink, "handset.cfg"}, {Manufacturer::poly, "mac.cfg"}});
    }
    if (std::string_view mac_part; ends_with(stem, "-phone", mac_part)) {
      if (auto mac = mac_in(mac_part)) {
        return handset(name, *mac, {{Manufacturer::poly, "phone.cfg"}});
      }
    }
    return unknown();
  }
  if (ends_with(name, ".xml", stem)) {
    if (stem.starts_with("cfg")) {
      if (auto mac = mac_in(stem.substr(3))) {
        return handset(name, *mac, {{Manufacturer::grandstream, "handset.xml"}});
      }
    }
    if (auto mac = mac_in(stem)) {
      return handset(name, *mac,
                     {{Manufacturer::snom, "handset.xml"}, {Manufacturer::cisco, "handset.xml"}});
    }
    return unknown();
  }
  if (ends_with(name, ".htm", stem) && stem.starts_with("snom") && stem.size() > 4) {
    // snom<model>.htm (common) or snom<model>-<MAC>.htm.
    const auto rest = stem.substr(4);
    const auto dash = rest.rfind('-');
    if (dash != std::string_view::npos) {
      const auto model = rest.substr(0, dash);
      auto mac = mac_in(rest.substr(dash + 1));
      if (mac && !model.empty() && all_of(model, isalnum)) {
        return handset(name, *mac, {{Manufacturer::snom, "handset.xml"}}, model);
      }
      return unknown();
    }
    if (all_of(rest, isalnum)) return common(name, Manufacturer::snom, "common.htm", rest);
  }
  return unknown();
}

std::string handset_file_name(pbx::Manufacturer manufacturer, std::string_view mac,
                              std::string_view model) {
  switch (manufacturer) {
    case Manufacturer::yealink:
      return std::string(mac) + ".cfg";
    case Manufacturer::poly:
      return std::string(mac) + "-phone.cfg";
    case Manufacturer::snom: {
      std::string upper(mac);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return "snom" + std::string(model) + "-" + upper + ".htm";
    }
    case Manufacturer::grandstream:
      return "cfg" + std::string(mac) + ".xml";
    case Manufacturer::cisco:
      return std::string(mac) + ".xml";
  }
  return {};
}

}  // namespace lockline::provisioning
