#include "pbx/registrar.hpp"

#include <chrono>
#include <string>

#include "sip/header_values.hpp"
#include "sip/response.hpp"
#include "sip/text.hpp"

namespace lockline::pbx {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sip::Reply reply(const sip::Message& request, const sip::Peer& peer, int status,
                 std::string_view reason, std::string_view headers = {}, bool keep = true) {
  sip::Reply r{status, {}, keep};
  sip::build_response(r.bytes, request, peer, status, reason, headers);
  return r;
}

// The contacts of the request with their expiry (§10.3 step 6): a contact's expires param,
// else the Expires header, else the default; or a parse error naming what is wrong.
struct ContactList {
  bool star = false;
  std::vector<ContactUpdate> contacts;
  std::string error;
};

ContactList read_contacts(const sip::Message& request, const RegistrarLimits& limits) {
  ContactList list;
  std::optional<std::int64_t> header_expires;
  if (const auto value = request.header(sip::HeaderId::expires); !value.empty()) {
    const auto parsed = sip::parse_uint(sip::trim(value));
    if (!parsed) return {false, {}, "Malformed Expires"};
    header_expires = *parsed;
  }
  for (const auto& header : request.headers()) {
    if (header.id != sip::HeaderId::contact) continue;
    for (const auto element : sip::split_list(header.value)) {
      auto contact = sip::parse_name_addr(element);
      if (!contact) return {false, {}, "Malformed Contact"};
      if (contact->star) {
        list.star = true;
        continue;
      }
      if (!sip::parse_sip_uri(contact->uri)) return {false, {}, "Unsupported Contact URI"};
      std::int64_t expires = header_expires.value_or(limits.default_expires);
      if (const auto param = sip::find_param(contact->params, "expires")) {
        const auto parsed = sip::parse_uint(*param);
        if (!parsed) return {false, {}, "Malformed Contact expires"};
        expires = *parsed;
      }
      list.contacts.push_back({std::string(contact->uri), expires});
    }
  }
  // "*" only alone and with Expires: 0 (§10.3 step 6).
  if (list.star && (!list.contacts.empty() || header_expires != 0)) {
    return {false, {}, "Contact * Needs Expires 0 And No Other Contact"};
  }
  return list;
}

}  // namespace

sip::Reply Registrar::handle(const sip::Message& request, const sip::Peer& peer) {
  // The address-of-record is the To URI (§10.3 step 3); its user is the extension.
  const auto to = sip::parse_name_addr(request.to());
  if (!to) return reply(request, peer, 400, "Malformed To");
  const auto aor = sip::parse_sip_uri(to->uri);
  if (!aor) return reply(request, peer, 400, "Malformed To URI");

  const auto directory = directory_.get();
  const auto* tenant = directory->tenant_for(aor->host.host);
  // sip.tls_srtp.<manufacturer>: that manufacturer's handsets register over TLS only.
  if (peer.transport != sip::Transport::tls) {
    if (const auto manufacturer = policy_.get()->requires_tls_srtp(
            request.header(sip::HeaderId::user_agent), tenant ? tenant->id : 0, aor->user)) {
      const std::string name(manufacturer_name(*manufacturer));
      return reply(request, peer, 403, "TLS Required (sip.tls_srtp." + name + ")", {}, false);
    }
  }
  const Account* account = nullptr;
  if (tenant) {
    const auto it = tenant->accounts.find(aor->user);
    if (it != tenant->accounts.end()) account = &it->second;
  }
  if (!account) {
    // Probing for extensions is how attacks start: a failure, from a proven source address.
    auth_.record_unknown_user(request, peer);
    return reply(request, peer, 404, "Not Found", {}, false);
  }

  const auto auth = auth_.check(request, peer, tenant->domain, aor->user, *account);
  switch (auth.verdict) {
    case AuthVerdict::authenticated:
      break;
    case AuthVerdict::challenge:
    case AuthVerdict::stale:
      // Not kept: a retransmitted REGISTER is simply challenged again, with a new nonce.
      return reply(
          request, peer, 401, "Unauthorized",
          auth_.challenge(request, peer, tenant->domain, auth.verdict == AuthVerdict::stale),
          false);
    case AuthVerdict::wrong:
      return reply(request, peer, 403, "Forbidden", {}, false);
    case AuthVerdict::malformed:
      return reply(request, peer, 400, auth.reason, {}, false);
  }

  auto contacts = read_contacts(request, limits_);
  if (!contacts.error.empty()) return reply(request, peer, 400, contacts.error);
  for (auto& contact : contacts.contacts) {
    if (contact.expires > 0 && contact.expires < limits_.min_expires) {
      return reply(request, peer, 423, "Interval Too Brief",
                   "Min-Expires: " + std::to_string(limits_.min_expires) + "\r\n");
    }
    contact.expires = std::min(contact.expires, limits_.max_expires);
  }

  const auto now = unix_now();
  RegisterUpdate update{contacts.star,
                        std::move(contacts.contacts),
                        peer,
                        std::string(request.header(sip::HeaderId::user_agent)),
                        std::string(request.call_id()),
                        request.cseq().number,
                        now};
  const bool query = !update.remove_all && update.contacts.empty();  // §10.3 step 6: a fetch
  auto result = query ? Location::UpdateResult{Location::Outcome::updated,
                                               location_.lookup({tenant->id, aor->user}, now)}
                      : location_.update({tenant->id, aor->user}, update);
  if (result.outcome == Location::Outcome::out_of_order) {
    return reply(request, peer, 500, "Out Of Order Registration");  // §10.3 step 6
  }
  if (result.outcome == Location::Outcome::too_many) {
    return reply(request, peer, 403, "Too Many Contacts");
  }
  std::string headers;
  for (const auto& binding : result.bindings) {
    headers += "Contact: <" + binding.contact +
               ">;expires=" + std::to_string(std::max<std::int64_t>(0, binding.expires_at - now)) +
               "\r\n";
  }
  return reply(request, peer, 200, "OK", headers);
}

}  // namespace lockline::pbx
