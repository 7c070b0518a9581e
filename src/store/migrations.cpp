#include "store/migrations.hpp"

#include <array>

namespace lockline::store {

namespace {

// Append only: a released migration is never edited.
constexpr std::array<const char*, 5> kMigrations = {
    // 1: tenants from the start (the appliance is a platform with one tenant), settings,
    // admin credentials, certificates.
    R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE settings (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE TABLE admin_users (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, username)
);
CREATE TABLE admin_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- a revoked token's id is never given again
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE TABLE certificates (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  chain_pem TEXT NOT NULL,
  key_pem TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX certificates_active ON certificates (tenant_id, active);
)sql",
    // 2: SIP extensions and their registrations. A password is kept sealed (the provisioning
    // issue hands it to phones) and as HA1 per digest algorithm for the realm it was made for.
    // revisions.extensions moves on every change, so the server reloads only when they change.
    R"sql(
CREATE TABLE extensions (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_sealed TEXT NOT NULL,
  ha1_realm TEXT NOT NULL,
  ha1_md5 TEXT NOT NULL,
  ha1_sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, number)
);
CREATE TABLE sip_bindings (
  tenant_id INTEGER NOT NULL,
  extension TEXT NOT NULL,
  contact TEXT NOT NULL,
  transport TEXT NOT NULL,
  source TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, extension, contact)
);
CREATE TABLE revisions (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO revisions (name, value) VALUES ('extensions', 0);
CREATE TRIGGER extensions_added AFTER INSERT ON extensions BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'extensions';
END;
CREATE TRIGGER extensions_changed AFTER UPDATE ON extensions BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'extensions';
END;
CREATE TRIGGER extensions_removed AFTER DELETE ON extensions BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'extensions';
  DELETE FROM sip_bindings WHERE tenant_id = old.tenant_id AND extension = old.number;
END;
)sql",
    // 3: the calls in progress, one row per leg, as the server last saw them (it rewrites them
    // about once a second while calls run), for `lockline calls` and /api/v1/calls.
    R"sql(
CREATE TABLE active_call_legs (
  tenant_id INTEGER NOT NULL,
  call TEXT NOT NULL,
  leg INTEGER NOT NULL,
  caller TEXT NOT NULL,
  callee TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  transport TEXT NOT NULL,
  codec TEXT NOT NULL,
  srtp TEXT NOT NULL,
  peer TEXT NOT NULL,
  packets_in INTEGER NOT NULL,
  packets_out INTEGER NOT NULL,
  bytes_in INTEGER NOT NULL,
  bytes_out INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, call, leg)
);
)sql",
    // 4: provisioning. Handsets by MAC (12 lowercase hex digits; a handset belongs to one
    // tenant), the fingerprint of the certificate each showed on its first fetch over mutual TLS,
    // the manufacturers' CA certificates that vouch for them (platform-wide, as manufacturers
    // are), and the audit of every fetch. revisions.provisioning_cas and revisions.handsets move
    // with every change (not with a fetch's time), so the server reloads only then.
    R"sql(
CREATE TABLE handsets (
  mac TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  manufacturer TEXT NOT NULL,
  model TEXT NOT NULL,
  extension TEXT NOT NULL,
  certificate_fingerprint TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_fetch_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE provisioning_cas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  manufacturer TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  not_after TEXT NOT NULL,
  pem TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE provisioning_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  secure INTEGER NOT NULL,
  mac TEXT NOT NULL,
  certificate_subject TEXT NOT NULL,
  certificate_serial TEXT NOT NULL,
  file TEXT NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL
);
INSERT INTO revisions (name, value) VALUES ('provisioning_cas', 0), ('handsets', 0);
CREATE TRIGGER handset_added AFTER INSERT ON handsets BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'handsets';
END;
CREATE TRIGGER handset_changed AFTER UPDATE OF tenant_id, manufacturer, model, extension,
  certificate_fingerprint ON handsets BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'handsets';
END;
CREATE TRIGGER handset_removed AFTER DELETE ON handsets BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'handsets';
END;
CREATE TRIGGER provisioning_ca_added AFTER INSERT ON provisioning_cas BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'provisioning_cas';
END;
CREATE TRIGGER provisioning_ca_removed AFTER DELETE ON provisioning_cas BEGIN
  UPDATE revisions SET value = value + 1 WHERE name = 'provisioning_cas';
END;
)sql",
    // 5: ACME, one row per tenant: what the administrator asked for (the CLI writes it) and
    // where the server's issuing and renewing stands (the server writes it). The account key
    // is a private key like the certificates' keys in `certificates`.
    R"sql(
CREATE TABLE acme (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL,
  domains TEXT NOT NULL,
  email TEXT NOT NULL,
  directory_url TEXT NOT NULL,
  directory_ca_pem TEXT NOT NULL,
  key_type TEXT NOT NULL,
  challenge_port INTEGER NOT NULL,
  account_key_pem TEXT NOT NULL DEFAULT '',
  account_url TEXT NOT NULL DEFAULT '',
  renew_requested INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',
  certificate_serial TEXT NOT NULL DEFAULT '',
  not_after INTEGER NOT NULL DEFAULT 0,
  next_renewal_at INTEGER NOT NULL DEFAULT 0,
  retry_at INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_warning TEXT NOT NULL DEFAULT '',
  last_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_success_at INTEGER NOT NULL DEFAULT 0,
  request_generation INTEGER NOT NULL DEFAULT 1,
  attempt_generation INTEGER NOT NULL DEFAULT 0
);
)sql",
};

}  // namespace

int schema_version(Database& db) {
  auto statement = db.prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.integer(0));
}

void migrate(Database& db) {
  auto lock = db.lock();
  for (int version = schema_version(db); version < static_cast<int>(kMigrations.size());
       ++version) {
    in_transaction(db, [&] {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (schema_version(db) != version) return;
      db.exec(kMigrations[version]);
      db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    });
  }
}

}  // namespace lockline::store
