#include "pbx/location.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "store/extension_repository.hpp"

namespace lockline::pbx {

namespace {

template <class Bindings>
void drop_expired(Bindings& bindings, std::int64_t now) {
  std::erase_if(bindings, [now](const auto& b) { return b.expires_at <= now; });
}

std::string source_text(const sip::Peer& peer) { return peer.to_string(); }

// "192.0.2.1:5060" or "[2001:db8::1]:5060", as Peer::to_string writes it.
std::optional<sip::Peer> parse_source(const std::string& transport, const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  const int port = std::atoi(text.c_str() + colon + 1);
  if (ec || port <= 0 || port > 65535) return std::nullopt;
  sip::Peer peer;
  peer.transport = transport == "tls"   ? sip::Transport::tls
                   : transport == "tcp" ? sip::Transport::tcp
                                        : sip::Transport::udp;
  peer.address = address;
  peer.port = static_cast<std::uint16_t>(port);
  return peer;
}

}  // namespace

Location::Stored::Stored(const Binding& b, allocator_type a)
    : contact(b.contact, a),
      user_agent(b.user_agent, a),
      call_id(b.call_id, a),
      source(b.source),
      cseq(b.cseq),
      expires_at(b.expires_at) {}

Location::Stored::Stored(const Stored& o, allocator_type a)
    : contact(o.contact, a),
      user_agent(o.user_agent, a),
      call_id(o.call_id, a),
      source(o.source),
      cseq(o.cseq),
      expires_at(o.expires_at) {}

Location::Stored::Stored(Stored&& o, allocator_type a)
    : contact(std::move(o.contact), a),
      user_agent(std::move(o.user_agent), a),
      call_id(std::move(o.call_id), a),
      source(o.source),
      cseq(o.cseq),
      expires_at(o.expires_at) {}

Binding Location::Stored::binding() const {
  return {std::string(contact), source, std::string(user_agent),
          std::string(call_id), cseq,   expires_at};
}

std::vector<Binding> Location::unpack(const std::pmr::vector<Stored>& stored) {
  std::vector<Binding> bindings;
  bindings.reserve(stored.size());
  for (const auto& s : stored) bindings.push_back(s.binding());
  return bindings;
}

std::string Location::key_of(const Aor& aor) {
  return std::to_string(aor.tenant_id) + ':' + aor.extension;
}

Location::Shard& Location::shard_for(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

const Location::Shard& Location::shard_for(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

// RFC 3261 §10.3 steps 6-8: a request older than what a binding was made with (same Call-ID,
// lower or equal CSeq) is out of order; otherwise each contact is added, refreshed or removed.
Location::UpdateResult Location::update(const Aor& aor, const RegisterUpdate& update) {
  const auto key = key_of(aor);
  auto& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const std::pmr::string pkey(key, &shard.pool);
  auto found = shard.aors.find(pkey);
  // Refused updates change nothing and answer with the bindings as they were: unpacked again
  // then, rather than copied for every update that succeeds.
  const auto unchanged = [&] {
    auto bindings = found == shard.aors.end() ? std::vector<Binding>{} : unpack(found->second);
    drop_expired(bindings, update.now);
    return bindings;
  };
  auto next = unchanged();
  bool contacts_changed = next.size() != (found == shard.aors.end() ? 0 : found->second.size());
  const auto out_of_order = [&](const Binding& b) {
    return b.call_id == update.call_id && b.cseq >= update.cseq;
  };
  if (update.remove_all) {
    if (std::any_of(next.begin(), next.end(), out_of_order)) {
      return {Outcome::out_of_order, unchanged()};
    }
    contacts_changed |= !next.empty();
    next.clear();
  }
  for (const auto& change : update.contacts) {
    auto it = std::find_if(next.begin(), next.end(),
                           [&](const Binding& b) { return b.contact == change.contact; });
    if (it != next.end() && out_of_order(*it)) return {Outcome::out_of_order, unchanged()};
    if (change.expires == 0) {
      if (it != next.end()) {
        next.erase(it);
        contacts_changed = true;
      }
      continue;
    }
    if (it == next.end()) {
      contacts_changed = true;
      next.push_back({change.contact, {}, {}, {}, 0, 0});
      it = std::prev(next.end());
    }
    it->source = update.source;
    it->user_agent = update.user_agent;
    it->call_id = update.call_id;
    it->cseq = update.cseq;
    it->expires_at = update.now + change.expires;
  }
  // Over the limit, the bindings closest to expiry that this request did not name make room:
  // a phone whose address changed behind NAT leaves its old contact behind, and it must not
  // lock its owner out until that one expires. Only a request naming too many itself fails.
  while (next.size() > max_per_aor_) {
    const auto named = [&](const Binding& b) {
      return std::any_of(update.contacts.begin(), update.contacts.end(),
                         [&](const ContactUpdate& c) { return c.contact == b.contact; });
    };
    auto oldest = next.end();
    for (auto it = next.begin(); it != next.end(); ++it) {
      if (!named(*it) && (oldest == next.end() || it->expires_at < oldest->expires_at)) oldest = it;
    }
    if (oldest == next.end()) return {Outcome::too_many, unchanged()};
    next.erase(oldest);
    contacts_changed = true;
  }
  // Or-ed: a refresh after a change in the same second still needs the rows replaced.
  shard.dirty[key] |= contacts_changed;
  if (next.empty()) {
    if (found != shard.aors.end()) shard.aors.erase(found);
    return {Outcome::updated, {}};
  }
  if (found == shard.aors.end()) found = shard.aors.try_emplace(pkey).first;
  auto& stored = found->second;
  stored.clear();
  for (const auto& b : next) stored.emplace_back(b);
  return {Outcome::updated, std::move(next)};
}

std::vector<Binding> Location::lookup(const Aor& aor, std::int64_t now) const {
  const auto key = key_of(aor);
  const auto& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.aors.find(std::pmr::string(key));
  if (it == shard.aors.end()) return {};
  auto bindings = unpack(it->second);
  drop_expired(bindings, now);
  return bindings;
}

std::size_t Location::size() const {
  std::size_t count = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, bindings] : shard.aors) count += bindings.size();
  }
  return count;
}

void Location::load(store::Database& db, std::int64_t now) {
  store::ExtensionRepository repository(db);
  repository.delete_expired_bindings(now);
  std::size_t loaded = 0;
  for (auto& record : repository.bindings(now)) {
    const auto source = parse_source(record.transport, record.source);
    if (!source) continue;
    const auto key = key_of({record.tenant_id, record.extension});
    auto& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    shard.aors[std::pmr::string(key, &shard.pool)].emplace_back(Binding{
        std::move(record.contact), *source, std::move(record.user_agent), std::move(record.call_id),
        static_cast<std::uint32_t>(record.cseq), record.expires_at});
    ++loaded;
  }
  if (loaded > 0) spdlog::info("SIP: {} registration(s) restored from the store", loaded);
}

void Location::flush(store::Database& db) {
  std::vector<std::pair<std::int64_t, std::string>> written;   // every AOR in this flush
  std::vector<std::pair<std::int64_t, std::string>> replaced;  // those whose contacts changed
  std::vector<store::BindingRecord> records, refreshed;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, contacts_changed] : shard.dirty) {
      const auto colon = key.find(':');
      const std::int64_t tenant_id = std::stoll(key.substr(0, colon));
      auto extension = key.substr(colon + 1);
      auto& into = contacts_changed ? records : refreshed;
      if (const auto it = shard.aors.find(std::pmr::string(key, &shard.pool));
          it != shard.aors.end()) {
        for (const auto& b : it->second) {
          into.push_back({tenant_id, extension, std::string(b.contact),
                          std::string(sip::transport_name(b.source.transport)),
                          source_text(b.source), std::string(b.user_agent), std::string(b.call_id),
                          b.cseq, b.expires_at});
        }
      }
      if (contacts_changed) replaced.emplace_back(tenant_id, extension);
      written.emplace_back(tenant_id, std::move(extension));
    }
    shard.dirty.clear();
  }
  if (written.empty()) return;
  try {
    store::ExtensionRepository(db).replace_bindings(replaced, records, refreshed);
  } catch (const std::exception& e) {
    // Still in memory, and marked to be written again, whole, with the next flush.
    spdlog::error("SIP: writing {} registration change(s) failed: {}", written.size(), e.what());
    for (const auto& [tenant_id, extension] : written) {
      const auto key = key_of({tenant_id, extension});
      auto& shard = shard_for(key);
      std::lock_guard lock(shard.mutex);
      shard.dirty[key] = true;
    }
  }
}

void Location::expire(std::int64_t now) {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.aors.begin(); it != shard.aors.end();) {
      drop_expired(it->second, now);
      it = it->second.empty() ? shard.aors.erase(it) : std::next(it);
    }
  }
}

}  // namespace lockline::pbx
