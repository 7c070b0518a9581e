#include "pbx/manufacturer.hpp"

#include "sip/text.hpp"

namespace lockline::pbx {

std::string_view manufacturer_name(Manufacturer manufacturer) {
  switch (manufacturer) {
    case Manufacturer::yealink:
      return "yealink";
    case Manufacturer::poly:
      return "poly";
    case Manufacturer::snom:
      return "snom";
    case Manufacturer::grandstream:
      return "grandstream";
    case Manufacturer::cisco:
      return "cisco";
  }
  return "";
}

std::optional<Manufacturer> manufacturer_from_name(std::string_view name) {
  for (const auto manufacturer : kManufacturers) {
    if (manufacturer_name(manufacturer) == name) return manufacturer;
  }
  return std::nullopt;
}

std::optional<Manufacturer> manufacturer_from_user_agent(std::string_view user_agent) {
  struct Prefix {
    std::string_view text;
    Manufacturer manufacturer;
  };
  static constexpr Prefix kPrefixes[] = {
      {"yealink", Manufacturer::yealink},
      {"polycom", Manufacturer::poly},
      {"poly", Manufacturer::poly},
      {"snom", Manufacturer::snom},
      {"grandstream", Manufacturer::grandstream},
      {"cisco", Manufacturer::cisco},
  };
  for (const auto& prefix : kPrefixes) {
    if (user_agent.size() >= prefix.text.size() &&
        sip::iequals(user_agent.substr(0, prefix.text.size()), prefix.text)) {
      return prefix.manufacturer;
    }
  }
  return std::nullopt;
}

}  // namespace lockline::pbx
