#!/usr/bin/env bash
# The three TLS levels (Mozilla Server Side TLS 5.0: old, intermediate, modern) as a client sees
# them: which protocol versions complete a handshake, which cipher suites and groups the server
# accepts (sslscan against Mozilla's JSON), the DHE group, the cipher preference, the certificate
# types served, and that a level change reaches new handshakes only.
source "$(dirname "$0")/lib.sh"

SOURCE_DIR=${LOCKLINE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MOZILLA_JSON="$SOURCE_DIR/data/mozilla-server-side-tls-5.0.json"
[[ -f "$MOZILLA_JSON" ]] || fail "missing $MOZILLA_JSON"
command -v sslscan >/dev/null || fail "sslscan is not installed"

# Background s_client sessions, ended with the test.
SESSION_PIDS=()
end_sessions() {
  local pid
  for pid in "${SESSION_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap 'end_sessions; cleanup' EXIT

# mozilla LEVEL KEY: one value of Mozilla's JSON, lists one item a line.
mozilla() {
  python3 - "$MOZILLA_JSON" "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["configurations"][sys.argv[2]][sys.argv[3]]
print("\n".join(map(str, v)) if isinstance(v, list) else json.dumps(v))
PY
}

# handshake ARGS...: one s_client handshake against the server; prints its -brief summary.
handshake() {
  timeout 10 openssl s_client -brief -connect "127.0.0.1:$HTTPS_PORT" -servername pbx.test \
    "$@" </dev/null 2>&1
}

# Client options that reach every suite and version this OpenSSL has (TLS 1.0/1.1 need level 0).
LEGACY_CIPHERS='ALL:COMPLEMENTOFALL:@SECLEVEL=0'
version_flag() {
  case $1 in
    TLSv1) echo -tls1 ;; TLSv1.1) echo -tls1_1 ;; TLSv1.2) echo -tls1_2 ;; TLSv1.3) echo -tls1_3 ;;
  esac
}
handshake_version() {  # handshake_version TLSvX [ARGS...]
  local v=$1; shift
  if [[ $v == TLSv1.3 ]]; then
    handshake -tls1_3 "$@"
  else
    handshake "$(version_flag "$v")" -cipher "$LEGACY_CIPHERS" "$@"
  fi
}

# The probe that tells the levels apart, for `eventually`. (Output is captured before grep: a
# grep -q that quits early would SIGPIPE s_client and, with pipefail, fail the pipeline.)
completes() {  # completes TLSvX: a handshake restricted to TLSvX negotiates TLSvX
  local out
  out=$(handshake_version "$1") || return 1
  grep -q "^Protocol version: $1\$" <<<"$out"
}
level_active() {
  case $1 in
    old) completes TLSv1 ;;
    intermediate) ! completes TLSv1 && completes TLSv1.2 ;;
    modern) ! completes TLSv1.2 && completes TLSv1.3 ;;
  esac
}

set_level() {
  local out
  out=$(ll settings set tls.level "$1") || fail "settings set tls.level $1 failed: $out"
  [[ $out == "tls.level = $1" ]] || fail "settings set tls.level $1 printed: $out"
  [[ $(ll settings get tls.level) == "$1" ]] || fail "tls.level does not read back as $1"
  eventually level_active "$1" || fail "level $1 not applied to new handshakes within 2 s"
  pass "$1: level set and applied to new handshakes"
}

# (a) Exactly the level's tls_versions complete a handshake, the others get a protocol alert.
check_versions() {
  local level=$1 v out allowed
  allowed=$(mozilla "$level" tls_versions)
  for v in TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; do
    out=$(handshake_version "$v") && rc=0 || rc=$?
    if grep -qx "$v" <<<"$allowed"; then
      [[ $rc -eq 0 ]] && grep -q "^Protocol version: $v\$" <<<"$out" ||
        fail "$level: $v handshake should complete (rc $rc): $out"
    else
      [[ $rc -ne 0 ]] && ! grep -q '^Protocol version:' <<<"$out" ||
        fail "$level: $v handshake should fail: $out"
      grep -qi 'protocol version\|unsupported protocol\|no protocols available' <<<"$out" ||
        fail "$level: $v failed, but not for its protocol version: $out"
    fi
  done
  pass "$level: handshakes complete for exactly $(tr '\n' ' ' <<<"$allowed")"
}

# (b) sslscan's accepted protocols, suites (per version) and groups against Mozilla's JSON.
REPORTED_MISSING_FILE="$WORK/tls-levels.txt"
check_scan() {
  local level=$1 xml="$WORK/sslscan-$1.xml"
  timeout 60 sslscan --xml=- "127.0.0.1:$HTTPS_PORT" > "$xml" 2>"$WORK/sslscan.err" ||
    fail "$level: sslscan failed: $(cat "$WORK/sslscan.err")"
  openssl ciphers -V "$LEGACY_CIPHERS" > "$WORK/openssl-ciphers.txt"
  python3 - "$MOZILLA_JSON" "$level" "$xml" "$WORK/openssl-ciphers.txt" \
    "$REPORTED_MISSING_FILE" <<'PY' || fail "$level: sslscan result differs from Mozilla's $level"
import json, re, sys
import xml.etree.ElementTree as ET

mozilla_file, level, xml_file, ciphers_file, levels_file = sys.argv[1:]
moz = json.load(open(mozilla_file))["configurations"][level]
problems = []

# This OpenSSL's suites: code point -> (OpenSSL name, lowest protocol version).
by_id, by_name = {}, {}
for line in open(ciphers_file):
    m = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2}) - (\S+)\s+(\S+)", line)
    if m:
        code = int(m.group(1) + m.group(2), 16)
        by_id[code] = m.group(3)
        by_name[m.group(3)] = (code, m.group(4))
by_id.setdefault(0x000A, "DES-CBC3-SHA")  # absent from Debian's OpenSSL, named by code point

# What `lockline tls levels` says this OpenSSL cannot do for the level.
reported = set()
for line in open(levels_file):
    if line.startswith(level + ":") and "not available in this OpenSSL:" in line:
        reported = set(line.split("not available in this OpenSSL:")[1].split())
unavailable = {c for c in moz["openssl_ciphers"] if c not in by_name}
if reported != unavailable:
    problems.append(f"`lockline tls levels` reports {sorted(reported)} unavailable, "
                    f"this OpenSSL lacks {sorted(unavailable)}")
if not unavailable <= {"DES-CBC3-SHA"}:
    problems.append(f"unexpected suites unavailable: {sorted(unavailable - {'DES-CBC3-SHA'})}")

root = ET.parse(xml_file).getroot()
test = root.find("ssltest")
if test is None:
    sys.exit(f"no <ssltest> in sslscan output: {open(xml_file).read()[:500]}")

names = {("ssl", "2"): "SSLv2", ("ssl", "3"): "SSLv3", ("tls", "1.0"): "TLSv1",
         ("tls", "1.1"): "TLSv1.1", ("tls", "1.2"): "TLSv1.2", ("tls", "1.3"): "TLSv1.3"}
enabled = {names[(p.get("type"), p.get("version"))]
           for p in test.findall("protocol") if p.get("enabled") == "1"}
if enabled != set(moz["tls_versions"]):
    problems.append(f"protocols: scanned {sorted(enabled)}, Mozilla {sorted(moz['tls_versions'])}")

scanned = {}
for c in test.findall("cipher"):
    if c.get("status") in ("accepted", "preferred"):
        name = by_id.get(int(c.get("id"), 16), c.get("cipher"))
        scanned.setdefault(c.get("sslversion").replace("TLSv1.0", "TLSv1"), set()).add(name)

def compare(what, got, want, allowed_missing=frozenset()):
    extra, missing = got - want, want - got
    if extra:
        problems.append(f"{what}: extra {sorted(extra)}")
    if missing - allowed_missing:
        problems.append(f"{what}: missing {sorted(missing - allowed_missing)}")

legacy = [v for v in moz["tls_versions"] if v != "TLSv1.3"]
for v in legacy:
    # TLS 1.0 and 1.1 cannot negotiate the suites that OpenSSL marks as TLS 1.2 only.
    want = {c for c in moz["openssl_ciphers"]
            if v == "TLSv1.2" or by_name.get(c, (0, "SSLv3"))[1] != "TLSv1.2"}
    compare(f"{v} suites", scanned.get(v, set()), want, unavailable)
union = set().union(*(scanned.get(v, set()) for v in legacy)) if legacy else set()
compare("TLS<=1.2 suites (all versions)", union, set(moz["openssl_ciphers"]), unavailable)
missing_in_scan = set(moz["openssl_ciphers"]) - union
if missing_in_scan != unavailable:
    problems.append(f"missing in scan {sorted(missing_in_scan)} != unavailable {sorted(unavailable)}")
if "TLSv1.3" in moz["tls_versions"]:
    compare("TLSv1.3 suites", scanned.get("TLSv1.3", set()), set(moz["openssl_ciphersuites"]))
for v in set(scanned) - set(moz["tls_versions"]):
    problems.append(f"suites accepted with {v}, which {level} does not allow: {sorted(scanned[v])}")

group_ids = {"x25519": 0x1D, "x448": 0x1E, "secp256r1": 0x17, "prime256v1": 0x17,
             "secp384r1": 0x18, "secp521r1": 0x19}
want_groups = {group_ids[g.lower()] for g in moz["tls_curves"]}
for v in moz["tls_versions"]:
    if v in ("TLSv1", "TLSv1.1"):
        continue  # sslscan enumerates groups for TLS 1.2 and 1.3 only
    got = {int(g.get("id"), 16) for g in test.findall("group") if g.get("sslversion") == v}
    if got != want_groups:
        problems.append(f"{v} groups: scanned {sorted(map(hex, got))}, "
                        f"Mozilla {sorted(map(hex, want_groups))}")

for p in problems:
    print(f"  {level}: {p}", file=sys.stderr)
total = sum(len(s) for s in scanned.values())
print(f"{level}: {total} (version, suite) pairs scanned; unavailable here: {sorted(unavailable) or 'none'}")
sys.exit(1 if problems else 0)
PY
  pass "$level: sslscan protocols, suites and groups equal Mozilla's (DES-CBC3-SHA the only gap, as reported)"
}

# Cipher preference: offer two of the level's suites in reverse Mozilla order.
check_preference() {
  local level=$1 server_order first second want got
  server_order=$(mozilla "$level" server_preferred_order)
  if [[ $level != modern ]]; then
    first=ECDHE-RSA-AES128-GCM-SHA256 second=ECDHE-RSA-AES256-GCM-SHA384
    mozilla "$level" openssl_ciphers | grep -n -x -e "$first" -e "$second" | cut -d: -f2 |
      tr '\n' ' ' | grep -qx "$first $second " || fail "$level: Mozilla order is not $first, $second"
    [[ $server_order == true ]] && want=$first || want=$second
    got=$(handshake -tls1_2 -cipher "$second:$first" | sed -n 's/^Ciphersuite: //p')
    [[ $got == "$want" ]] || fail "$level: offered $second:$first, server chose '$got', want $want"
  fi
  first=TLS_AES_128_GCM_SHA256 second=TLS_CHACHA20_POLY1305_SHA256
  [[ $server_order == true ]] && want=$first || want=$second
  got=$(handshake -tls1_3 -ciphersuites "$second:$first" | sed -n 's/^Ciphersuite: //p')
  [[ $got == "$want" ]] || fail "$level: TLS 1.3 offered $second:$first, server chose '$got', want $want"
  if [[ $server_order == true ]]; then
    pass "$level: server cipher order (picks its preferred suite from a reversed offer)"
  else
    pass "$level: client cipher order (picks the client's first suite)"
  fi
}

# Certificates: modern serves only ECDSA; old and intermediate serve RSA as well.
check_certificate_types() {
  local level=$1 out top=TLSv1.3
  grep -qx TLSv1.3 <<<"$(mozilla "$level" tls_versions)" || top=TLSv1.2
  out=$(handshake_version "$top" -sigalgs 'ECDSA+SHA256') ||
    fail "$level: ECDSA-only client failed: $out"
  grep -q '^Signature type: ECDSA' <<<"$out" || fail "$level: no ECDSA signature: $out"
  if out=$(handshake_version "$top" -sigalgs 'rsa_pss_rsae_sha256:RSA+SHA256') &&
    grep -q '^Protocol version:' <<<"$out"; then
    [[ $level != modern ]] || fail "modern: an RSA-only client completed a handshake: $out"
    grep -q '^Signature type: RSA' <<<"$out" || fail "$level: no RSA signature: $out"
    pass "$level: serves both ECDSA and RSA certificates"
  else
    [[ $level == modern ]] || fail "$level: an RSA-only client failed: $out"
    pass "$level: serves ECDSA only (RSA-only client refused)"
  fi
}

check_dhe_group() {
  local level=$1 out
  out=$(handshake -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256) ||
    fail "$level: DHE-RSA-AES128-GCM-SHA256 handshake failed: $out"
  grep -q '^Ciphersuite: DHE-RSA-AES128-GCM-SHA256$' <<<"$out" || fail "$level: no DHE suite: $out"
  grep -q '^Server Temp Key: DH, 2048 bits$' <<<"$out" || fail "$level: DHE group is not 2048 bits: $out"
  pass "$level: DHE-RSA-AES128-GCM-SHA256 uses a 2048-bit DH group"
}

# ---------------------------------------------------------------------------------------------

start_server

ll tls levels > "$REPORTED_MISSING_FILE" || fail "lockline tls levels failed"
grep -q '^old: .*not available in this OpenSSL: DES-CBC3-SHA$' "$REPORTED_MISSING_FILE" ||
  fail "lockline tls levels does not report DES-CBC3-SHA missing for old: $(cat "$REPORTED_MISSING_FILE")"
! grep -q '^\(intermediate\|modern\): .*not available' "$REPORTED_MISSING_FILE" ||
  fail "lockline tls levels reports missing suites beyond old: $(cat "$REPORTED_MISSING_FILE")"
! openssl ciphers -s "DES-CBC3-SHA:@SECLEVEL=0" >/dev/null 2>&1 ||
  fail "this OpenSSL has DES-CBC3-SHA: the old level should offer it"
pass "lockline tls levels reports DES-CBC3-SHA (only) as unavailable in this OpenSSL"

[[ $(ll settings get tls.level) == old ]] || fail "default tls.level is not old"
eventually level_active old || fail "default level old is not what the server does"
pass "default level is old"

for level in old intermediate modern; do
  set_level "$level"
  check_versions "$level"
  check_scan "$level"
  check_preference "$level"
  check_certificate_types "$level"
  case $level in
    old)
      out=$(handshake -tls1 -cipher "ECDHE-RSA-AES128-SHA:@SECLEVEL=0") ||
        fail "old: TLS 1.0 with ECDHE-RSA-AES128-SHA failed: $out"
      grep -q '^Protocol version: TLSv1$' <<<"$out" && grep -q '^Ciphersuite: ECDHE-RSA-AES128-SHA$' <<<"$out" ||
        fail "old: not TLS 1.0 with ECDHE-RSA-AES128-SHA: $out"
      pass "old: TLS 1.0 handshake with ECDHE-RSA-AES128-SHA"
      check_dhe_group old ;;
    intermediate) check_dhe_group intermediate ;;
    modern)
      ! out=$(handshake -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256) || fail "modern: DHE over TLS 1.2 worked: $out"
      pass "modern: no DHE" ;;
  esac
done

# An established connection keeps its TLS 1.0 session across a change to intermediate, while a new
# TLS 1.0 handshake is refused.
set_level old
mkfifo "$WORK/session.in"
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername pbx.test -tls1 \
  -cipher "ECDHE-RSA-AES128-SHA:@SECLEVEL=0" -nocommands \
  < "$WORK/session.in" > "$WORK/session.out" 2> "$WORK/session.err" &
SESSION_PIDS+=($!)
exec 3> "$WORK/session.in"
for _ in $(seq 1 50); do grep -q '^New, ' "$WORK/session.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ *Protocol *: TLSv1$' "$WORK/session.out" ||
  fail "no TLS 1.0 session: $(cat "$WORK/session.out" "$WORK/session.err")"
set_level intermediate
out=$(handshake_version TLSv1) && fail "a new TLS 1.0 handshake worked under intermediate: $out"
printf 'GET /api/v1/health HTTP/1.1\r\nHost: pbx.test\r\n\r\n' >&3
for _ in $(seq 1 50); do grep -q '"status":"ok"' "$WORK/session.out" && break; sleep 0.1; done
grep -q '^HTTP/1.1 200 OK' "$WORK/session.out" && grep -q '"status":"ok"' "$WORK/session.out" ||
  fail "the TLS 1.0 session established under old did not answer: $(tail -20 "$WORK/session.out")"
exec 3>&-
pass "a TLS 1.0 connection made under old still gets 200 after the switch to intermediate; new TLS 1.0 handshakes fail"
