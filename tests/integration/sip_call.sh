# Calls through Lockline (the B2BUA and the media relay) between scripted phones
# (sip_call.py): a call over each transport pair with the INVITE challenged (407), ringing,
# answer, ACK, RTP or SRTP checked packet by packet in both directions, BYE; then the refusals:
# unknown (404) and unregistered (480) extensions, an SRTP offer over UDP (488 with a Warning),
# busy (486), CANCEL while ringing (200 + 487); sip.tls_srtp.yealink (403 and 488 for a Yealink).
source "$(dirname "$0")/lib.sh"
write_config
base=$((30000 + (RANDOM % 300) * 100))
cat >> "$WORK/lockline.toml" <<CONF
rtp_ports = "$base-$((base + 99))"
public_address = "127.0.0.1"
CONF
start_sip_server

export PASSWORD='S3cret!pw'
export LOCKLINE_CALLS="$LOCKLINE_BIN --config $WORK/lockline.toml calls" HTTPS_PORT
API_TOKEN=$(admin_token) || fail "token create"
export API_TOKEN
for ext in 1001 1002 1003; do
  ll extension add "$ext" --password "$PASSWORD" --name "Phone $ext" >/dev/null || fail "extension add $ext"
done
eventually fresh_register --user 1002 --password "$PASSWORD" --expires 0 --expect 200 ||
  fail "extensions are not loaded"

for scenario in udp-udp tcp-udp tls-udp tls-tls refusals; do
  python3 "$SIP_TEST_DIR/sip_call.py" "$scenario" || fail "call scenario $scenario"
done

# sip.tls_srtp.<manufacturer>, applied live (the SIP policy follows the store within 2 s).
ll settings set sip.tls_srtp.yealink true >/dev/null || fail "settings set sip.tls_srtp.yealink"
yealink_refused() {
  SIP_CLIENT_USER_AGENT="Yealink SIP-T54W" sipc register --user 1003 --password "$PASSWORD" --expect 403 \
    >/dev/null 2>&1
}
eventually yealink_refused || fail "sip.tls_srtp.yealink was not applied"
python3 "$SIP_TEST_DIR/sip_call.py" manufacturer || fail "call scenario manufacturer"
