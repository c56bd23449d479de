# kafka_lib.sh - helpers for the integration tests on the Kafka path: `eddy kafka-mock` (start, stop,
# its control port), any number of named eddy servers on it, kcat, and polling with deadlines.
# shellcheck shell=bash disable=SC2034
# Sourced by tests/integration/test_kafka_*.sh (after which lib.sh's helpers are there too).
# Needs: kcat, curl, jq.  A test skips (exit 0) when kcat is missing.  KEEP_WORK=1 keeps the
# work directory (servers' logs, what was consumed) for a look afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v kcat >/dev/null; then
  echo "kcat not installed: skipping"
  exit 0
fi

# kcat with generous timeouts (the machine is small and shared).
KCAT=(kcat -m 15 -X socket.timeout.ms=15000)

MOCK_PID=""
BS=""      # bootstrap.servers of the mock
CONTROL="" # host:port of its control port
CPORT=""
declare -A NODE_PORT=() NODE_PID=()

kafka_cleanup() {
  local rc=$?
  local n
  for n in "${!NODE_PID[@]}"; do stop_node "$n" KILL; done
  stop_mock
  if [[ $FAILS -ne 0 || $rc -ne 0 ]]; then
    # What the servers said, to see why without rerunning.
    for f in "$WORK"/*.log; do
      [[ -f $f ]] || continue
      echo "---- last lines of $(basename "$f") ----"
      grep -v 'AUTOCREATE' "$f" | tail -n 25
    done
  fi
  if [[ -n ${KEEP_WORK:-} ]]; then
    stop_server
    echo "(KEEP_WORK: logs and outputs kept in $WORK)"
  else
    cleanup
  fi
}
trap kafka_cleanup EXIT

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# start_mock ARGS...: starts `eddy kafka-mock ARGS` and sets BS, CONTROL and CPORT.
start_mock() {
  local ready=$WORK/mock.ready
  rm -f "$ready"
  "$EDDY" kafka-mock --ready-file "$ready" "$@" >"$WORK/mock.out" 2>"$WORK/mock.err" &
  MOCK_PID=$!
  local deadline=$(($(date +%s) + 20))
  while [[ ! -s $ready ]]; do
    if ! kill -0 "$MOCK_PID" 2>/dev/null || [[ $(date +%s) -gt $deadline ]]; then
      echo "kafka-mock did not become ready:"; cat "$WORK/mock.out" "$WORK/mock.err"; return 1
    fi
    sleep 0.1
  done
  BS=$(sed -n 's/^bootstrap\.servers=//p' "$ready")
  CONTROL=$(sed -n 's/^eddy\.mock\.control=//p' "$ready")
  CPORT=${CONTROL##*:}
}

stop_mock() {
  if [[ -n $MOCK_PID ]]; then
    kill -TERM "$MOCK_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MOCK_PID" 2>/dev/null
    wait "$MOCK_PID" 2>/dev/null
    MOCK_PID=""
  fi
}

# ctl LINE: one request on the mock's control port (a connection of its own); sets REPLY ("" when
# there was no answer within 5 s).  Returns 0 when the reply starts with OK or is EXISTS.
ctl() {
  REPLY=""
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$CPORT" || return 1
  printf '%s\n' "$1" >&"$fd"
  IFS= read -r -t 5 REPLY <&"$fd"
  exec {fd}>&-
  [[ $REPLY == OK* || $REPLY == EXISTS ]]
}

# stamp: copies stdin to stdout with the wall-clock time (HH:MM:SS.mmm) before each line.
stamp() {
  local line t
  while IFS= read -r line; do
    t=${EPOCHREALTIME/./}
    printf '%(%T)T.%03d %s\n' "${t:0:-6}" "$(( 10#${t: -6} / 1000 ))" "$line"
  done
}

# start_node NAME [extra -D args...]: starts an eddy server NAME on the mock, on a port of its own
# with state in $WORK/NAME.state and its output, each line with the time it came, in $WORK/NAME.log
# (appended: a restart keeps the port, the state and the log).  Waits (up to 60 s) until /info answers.
start_node() {
  local name=$1
  shift
  [[ -z ${NODE_PORT[$name]:-} ]] && NODE_PORT[$name]=$(free_port)
  local port=${NODE_PORT[$name]}
  echo "==== start $(date +%T.%3N) ====" >>"$WORK/$name.log"
  "$EDDY" serve -D "listeners=http://127.0.0.1:$port" -D "ksql.streams.state.dir=$WORK/$name.state" \
    -D "bootstrap.servers=$BS" -D "eddy.mock.control=$CONTROL" "$@" > >(stamp >>"$WORK/$name.log") 2>&1 &
  NODE_PID[$name]=$!
  local deadline=$(($(date +%s) + 60))
  while [[ $(date +%s) -le $deadline ]]; do
    if curl -s -o /dev/null "http://127.0.0.1:$port/info"; then return 0; fi
    if ! kill -0 "${NODE_PID[$name]}" 2>/dev/null; then
      echo "server $name exited early:"; tail -n 30 "$WORK/$name.log"; unset "NODE_PID[$name]"; return 1
    fi
    sleep 0.1
  done
  echo "server $name did not start:"; tail -n 30 "$WORK/$name.log"; return 1
}

# stop_node NAME [signal]: sends signal (TERM by default) and waits up to 30 s (then KILL).
# Sets STOP_RC to the exit status and STOP_SECS to how long it took.
stop_node() {
  local name=$1 sig=${2:-TERM} pid=${NODE_PID[$1]:-}
  STOP_RC="" STOP_SECS=""
  [[ -z $pid ]] && return 0
  local t0 e
  t0=$(now_ms)
  exec {e}>&2 2>/dev/null # (bash's "Killed" notice about the job goes nowhere)
  kill "-$sig" "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" || break; sleep 0.1; done
  kill -KILL "$pid"
  wait "$pid"
  STOP_RC=$?
  exec 2>&"$e" {e}>&-
  STOP_SECS=$(( ($(now_ms) - t0) / 1000 ))
  unset "NODE_PID[$name]"
}

# on NAME: makes lib.sh's ksql/request talk to server NAME.
on() { PORT=${NODE_PORT[$1]}; }

# wait_for SECONDS CMD...: runs CMD every 0.5 s until it succeeds or SECONDS have passed;
# returns CMD's last status.
wait_for() {
  local secs=$1
  shift
  local deadline=$(($(date +%s) + secs))
  while true; do
    "$@" && return 0
    [[ $(date +%s) -ge $deadline ]] && return 1
    sleep 0.5
  done
}

# consume TOPIC [FORMAT]: every record of TOPIC (read_committed, from the beginning to the end
# at the moment of reading), one a line in kcat's -f FORMAT (default '%k|%s|%p|%T\n').
consume() {
  "${KCAT[@]}" -C -q -e -b "$BS" -t "$1" -o beginning -X isolation.level=read_committed \
    -f "${2:-%k|%s|%p|%T\n}" 2>>"$WORK/kcat.err"
}

# produce TOPIC [kcat -P args...]: produces stdin's "key:value" lines to TOPIC; fails when kcat does.
produce() {
  local topic=$1
  shift
  "${KCAT[@]}" -P -K: -b "$BS" -t "$topic" "$@" 2>>"$WORK/kcat.err"
}

# last_per_key TOPIC: the last JSON value of each key of TOPIC as {key: value, ...}.
last_per_key() {
  consume "$1" '%k\t%s\n' | jq -Rn 'reduce (inputs | split("\t") | select(length == 2)) as $r
    ({}; .[$r[0]] = ($r[1] | fromjson? // null))'
}

# log_lines NAME PATTERN: the lines of server NAME's log that match the extended regex PATTERN.
log_lines() { grep -E "$2" "$WORK/$1.log" 2>/dev/null; }
