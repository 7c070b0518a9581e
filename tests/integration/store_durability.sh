# SIGKILL during settings writes loses nothing committed and leaves a store that opens.
source "$(dirname "$0")/lib.sh"
start_server
for round in 1 2 3; do
  rm -f "$WORK/last"  # a round's writes restart at 1001: the last round's record would not hold
  (for i in $(seq 1 200); do ll settings set web.hsts_max_age $((1000 + i)) >/dev/null || exit 1; echo $((1000 + i)) > "$WORK/last"; done) &
  writer=$!
  sleep 0.$((RANDOM % 5 + 3))
  kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  kill -9 "$writer" 2>/dev/null || true; wait "$writer" 2>/dev/null || true
  committed=$(cat "$WORK/last" 2>/dev/null || true)
  committed=${committed:-0}  # 0: no write confirmed yet (the default, 63072000, is larger)
  stored=$(ll settings get web.hsts_max_age) || fail "store does not open after SIGKILL"
  (( stored >= committed )) || fail "lost a committed write: stored $stored < committed $committed"
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute('PRAGMA integrity_check').fetchone()[0]; sys.exit(r!='ok')" \
    "$WORK/var/lockline.db" || fail "integrity check failed"
  start_server
  pass "round $round: killed server and writer; store opens, value $stored >= last committed $committed"
done
