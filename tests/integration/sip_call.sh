# Calls through Lockline (the B2BUA and the media relay) between scripted phones
# (sip_call.py): a call over each transport pair with the INVITE challenged (407), ringing,
# answer, ACK, RTP or SRTP checked packet by packet in both directions, BYE; re-INVITEs (hold,
# resume, glare 491, a phone moving its media; a stranger's re-INVITE or BYE 403); the refusals:
# unknown (404) and unregistered (480) extensions, an SRTP offer over UDP (488 with a Warning),
# busy (486), CANCEL while ringing (200 + 487); sip.tls_srtp.yealink (403 and 488 for a Yealink,
# by User-Agent and by the provisioning registry).
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
# The provisioning registry names an extension's handsets: its phones are held to the rule
# whatever User-Agent they send.
ll handset add 00:15:65:00:10:03 --manufacturer yealink --model T54W --extension 1003 >/dev/null ||
  fail "handset add"
registry_refused() {
  SIP_CLIENT_USER_AGENT="SomethingElse/1.0" sipc register --user 1003 --password "$PASSWORD" \
    --expect 403 >/dev/null 2>&1
}
eventually registry_refused || fail "a registered Yealink's extension may register over UDP"
ll handset remove 00:15:65:00:10:03 >/dev/null
unlisted_accepted() {
  SIP_CLIENT_USER_AGENT="SomethingElse/1.0" sipc register --user 1003 --password "$PASSWORD" \
    --expect 200 >/dev/null 2>&1
}
eventually unlisted_accepted || fail "without the handset, 1003 must register over UDP again"
pass "sip.tls_srtp.yealink follows the provisioning registry: 1003's Yealink is held to TLS whatever its User-Agent"
python3 "$SIP_TEST_DIR/sip_call.py" manufacturer || fail "call scenario manufacturer"
