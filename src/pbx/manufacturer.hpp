#pragma once
// Handset manufacturers with a "TLS/SRTP" setting of their own (sip.tls_srtp.<name>), and how a
// phone's manufacturer is known: from its User-Agent until the provisioning registry knows it.
#include <array>
#include <optional>
#include <string_view>

namespace lockline::pbx {

enum class Manufacturer { yealink, poly, snom, grandstream, cisco };

inline constexpr std::array<Manufacturer, 5> kManufacturers = {
    Manufacturer::yealink, Manufacturer::poly, Manufacturer::snom, Manufacturer::grandstream,
    Manufacturer::cisco};

std::string_view manufacturer_name(Manufacturer manufacturer);              // "yealink", ...
std::optional<Manufacturer> manufacturer_from_name(std::string_view name);  // exact, lowercase
// By the User-Agent each sends ("Yealink SIP-T54W ...", "PolycomVVX-...", "Poly/...",
// "snomD785/...", "Grandstream GXP2170 ...", "Cisco/SPA...", "Cisco-CP8845..."), case-insensitive.
std::optional<Manufacturer> manufacturer_from_user_agent(std::string_view user_agent);

}  // namespace lockline::pbx
