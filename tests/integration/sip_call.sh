# Calls through Lockline (the B2BUA and the media relay) between scripted phones
# (sip_call.py): a call over each transport pair with the INVITE challenged (407), ringing,
# answer, ACK, RTP or SRTP checked packet by packet in both directions, BYE; then the refusals:
# unknown (404) and unregistered (480) extensions, an SRTP offer over UDP (488 with a Warning),
# busy (486), CANCEL while ringing (200 + 487); sip.tls_srtp.yealink (403 and 488 for a Yealink).
source "$(dirname "$0")/lib.sh"
export PASSWORD='S3cret!pw'
start_call_server "$PASSWORD" 1001 1002 1003
export LOCKLINE_CALLS="$LOCKLINE_BIN --config $WORK/lockline.toml calls" HTTPS_PORT
API_TOKEN=$(admin_token) || fail "token create"
export API_TOKEN

for scenario in udp-udp tcp-udp tls-udp tls-tls reinvite-tls-udp reinvite-tls-tls refusals; do
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
