#!/usr/bin/env bash
# test_kafka_mock.sh - `eddy kafka-mock`: start a 3-broker mock cluster, check its output lines and
# ready file, drive it with kcat (metadata, produce, consume) and through its control port (bash's
# /dev/tcp: CREATE, EXISTS, TOPICS, errors, BROKER DOWN/UP, fault injection), then stop it with
# SIGTERM and expect exit status 0.  Needs: kcat.
source "$(dirname "$0")/lib.sh"

if ! command -v kcat >/dev/null; then
  echo "kcat not installed: skipping"
  exit 0
fi
KCAT=(kcat -m 5 -X socket.timeout.ms=5000)

# --- usage errors exit 2 without starting anything ------------------------------------------------
"$EDDY" kafka-mock --bogus >/dev/null 2>&1
rc=$?
if [[ $rc == 2 ]]; then ok "unknown option exits 2"; else not_ok "unknown option exits 2" "got $rc"; fi
"$EDDY" kafka-mock --topic 'bad/name:1' >/dev/null 2>&1
rc=$?
if [[ $rc == 2 ]]; then ok "bad --topic exits 2"; else not_ok "bad --topic exits 2" "got $rc"; fi

# --- start -----------------------------------------------------------------------------------------
READY=$WORK/ready
"$EDDY" kafka-mock --brokers 3 --topic t:4 --ready-file "$READY" >"$WORK/mock.out" 2>"$WORK/mock.err" &
PID=$! # lib.sh's cleanup stops it on exit
for _ in $(seq 1 100); do
  [[ -s $READY ]] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s $READY ]]; then
  echo "kafka-mock did not become ready:"; cat "$WORK/mock.out" "$WORK/mock.err"; exit 1
fi
ok "ready file written"

BS=$(sed -n 's/^bootstrap\.servers=//p' "$READY")
CONTROL=$(sed -n 's/^eddy\.mock\.control=//p' "$READY")
CPORT=${CONTROL##*:}
if [[ $BS =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]]; then
  ok "three brokers on 127.0.0.1 ($BS)"
else
  not_ok "three brokers on 127.0.0.1" "bootstrap.servers=$BS"
fi
if [[ $CONTROL =~ ^127\.0\.0\.1:[0-9]+$ ]]; then ok "control port on 127.0.0.1"; else not_ok "control port" "$CONTROL"; fi
if cmp -s "$READY" "$WORK/mock.out"; then
  ok "stdout holds exactly the two lines of the ready file"
else
  not_ok "stdout matches the ready file" "$(cat "$WORK/mock.out")"
fi

# --- metadata through kcat -------------------------------------------------------------------------
md=$("${KCAT[@]}" -L -b "$BS" -t t 2>&1)
if grep -q 'topic "t" with 4 partitions' <<<"$md"; then ok "kcat -L: t has 4 partitions"; else not_ok "kcat -L t" "$md"; fi
if grep -q ' 3 brokers:' <<<"$md"; then ok "kcat -L: 3 brokers"; else not_ok "kcat -L brokers" "$md"; fi

# --- the control port ------------------------------------------------------------------------------
exec 3<>"/dev/tcp/127.0.0.1/$CPORT" || { echo "cannot connect to the control port"; exit 1; }

# req LINE: sends LINE on fd 3, sets REPLY to the answer line ("" after 5 s without one).
req() {
  printf '%s\n' "$1" >&3
  REPLY=""
  IFS= read -r -t 5 REPLY <&3
}
# expect_reply NAME REQUEST PATTERN: the reply to REQUEST matches the bash glob PATTERN.
expect_reply() {
  req "$2"
  # shellcheck disable=SC2053
  if [[ $REPLY == $3 ]]; then ok "$1"; else not_ok "$1" "$2 -> '$REPLY'"; fi
}

expect_reply "PING" "PING" "OK"
expect_reply "CREATE a new topic" "CREATE t2 3 2" "OK*"
md=$("${KCAT[@]}" -L -b "$BS" -t t2 2>&1)
if grep -q 'topic "t2" with 3 partitions' <<<"$md"; then ok "kcat -L: t2 has 3 partitions"; else not_ok "kcat -L t2" "$md"; fi
expect_reply "second CREATE gives EXISTS" "CREATE t2 3 2" "EXISTS"
expect_reply "CREATE of a --topic topic gives EXISTS" "create t 1" "EXISTS"
expect_reply "TOPICS lists both" "TOPICS" "OK t:4,t2:3"
expect_reply "unknown command" "FROB 1 2" "ERR unknown command 'FROB'*"
expect_reply "bad topic name" "CREATE bad/name 1 1" "ERR invalid topic name*"
expect_reply "zero partitions" "CREATE t3 0 1" "ERR *partition count*"
expect_reply "DELETE is unsupported" "DELETE t" "ERR unsupported: the mock cluster cannot delete topics"
expect_reply "BROKER DOWN 1" "BROKER DOWN 1" "OK*"
expect_reply "BROKER UP 1" "BROKER UP 1" "OK*"
expect_reply "unknown broker" "BROKER DOWN 9" "ERR *"
expect_reply "RTT" "RTT all 5" "OK*"
expect_reply "LEADER" "LEADER t 0 2" "OK*"
expect_reply "LEADER on an unknown topic" "LEADER nope 0 2" "ERR unknown topic*"
expect_reply "CLEAR" "CLEAR" "OK*"

md=$("${KCAT[@]}" -L -b "$BS" -t t 2>&1)
if grep -q 'partition 0, leader 2,' <<<"$md"; then ok "kcat -L: partition 0 led by broker 2"; else not_ok "LEADER took effect" "$md"; fi

# Several requests in one write get one reply each, in order.
printf 'PING\nTOPICS\nPING\n' >&3
r1="" r2="" r3=""
IFS= read -r -t 5 r1 <&3; IFS= read -r -t 5 r2 <&3; IFS= read -r -t 5 r3 <&3
if [[ $r1 == OK && $r2 == "OK t:4,t2:3" && $r3 == OK ]]; then ok "pipelined requests"; else not_ok "pipelined requests" "$r1 | $r2 | $r3"; fi

# --- fault injection is seen by a client -----------------------------------------------------------
expect_reply "ERRORS" "ERRORS Produce 1 MSG_SIZE_TOO_LARGE" "OK*"
if echo x | "${KCAT[@]}" -P -b "$BS" -t t2 -p 0 >/dev/null 2>&1; then
  not_ok "injected Produce error fails kcat -P"
else
  ok "injected Produce error fails kcat -P"
fi
if echo y | "${KCAT[@]}" -P -b "$BS" -t t2 -p 0 >/dev/null 2>&1; then
  ok "the next produce succeeds"
else
  not_ok "the next produce succeeds"
fi
exec 3>&-

# --- produce and consume 100 keyed records ---------------------------------------------------------
seq 1 100 | sed 's/.*/key&:value&/' | "${KCAT[@]}" -P -b "$BS" -t t -K: 2>"$WORK/produce.err"
"${KCAT[@]}" -C -b "$BS" -t t -o beginning -e -q -f '%p %k %s\n' >"$WORK/consumed" 2>"$WORK/consume.err"
n=$(wc -l <"$WORK/consumed")
if [[ $n == 100 ]]; then ok "100 records consumed back"; else not_ok "100 records consumed back" "got $n: $(head -c 300 "$WORK/consume.err")"; fi
keys=$(awk '{print $2}' "$WORK/consumed" | sort -u | wc -l)
parts=$(awk '{print $1}' "$WORK/consumed" | sort -u | wc -l)
if [[ $keys == 100 && $parts -gt 1 ]]; then
  ok "100 distinct keys over $parts partitions"
else
  not_ok "keys spread over partitions" "keys=$keys partitions=$parts"
fi
bad=$(awk '{ k = $2; v = $3; sub("key", "", k); sub("value", "", v); if (k != v) print }' "$WORK/consumed" | wc -l)
if [[ $bad == 0 ]]; then ok "every value matches its key"; else not_ok "values match keys" "$bad mismatches"; fi

# --- a new connection; an overlong line is refused and closes it -----------------------------------
exec 4<>"/dev/tcp/127.0.0.1/$CPORT"
printf '%s\n' "TOPICS" >&4
IFS= read -r -t 5 line <&4
if [[ $line == "OK t:4,t2:3" ]]; then ok "a second connection works"; else not_ok "a second connection" "$line"; fi
head -c 5000 /dev/zero | tr '\0' 'A' >&4
printf '\n' >&4 2>/dev/null
line=""
IFS= read -r -t 5 line <&4
if [[ $line == ERR* ]]; then ok "overlong line gives ERR"; else not_ok "overlong line gives ERR" "$line"; fi
# (the tool closes with the rest of the line unread, so the peer may see a reset: that is fine)
if ! IFS= read -r -t 5 line <&4 2>/dev/null; then ok "connection closed after the overlong line"; else not_ok "closed after overlong line" "$line"; fi
exec 4>&-

# --- SIGTERM: clean exit ---------------------------------------------------------------------------
kill -TERM "$PID"
stopped=0
for _ in $(seq 1 50); do
  if ! kill -0 "$PID" 2>/dev/null; then stopped=1; break; fi
  sleep 0.1
done
if [[ $stopped == 1 ]]; then
  wait "$PID"
  rc=$?
  PID=""
  if [[ $rc == 0 ]]; then ok "SIGTERM: exit 0 within 5 s"; else not_ok "SIGTERM exit status" "got $rc: $(cat "$WORK/mock.err")"; fi
else
  not_ok "SIGTERM: stopped within 5 s"
fi
if [[ ! -e $READY ]]; then ok "ready file removed at exit"; else not_ok "ready file removed at exit"; fi

finish
