# lib.sh - helpers for the integration tests: start/stop `eddy serve` on loopback, HTTP calls, checks.
# Sourced by tests/integration/test_*.sh.  Needs: curl (with HTTP/2), jq.

set -u
EDDY=${EDDY:?set EDDY to the eddy binary}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/eddy-it.XXXXXX")
PORT=""
PID=""
FAILS=0
PASSES=0

cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free loopback port (bind to 0 and read it back).
free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# start_server [extra -D args...]: starts eddy on 127.0.0.1 with state in $WORK/state.
start_server() {
  [[ -z $PORT ]] && PORT=$(free_port)
  "$EDDY" serve -D "listeners=http://127.0.0.1:$PORT" -D "ksql.streams.state.dir=$WORK/state" "$@" \
    >>"$WORK/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/info"; then return 0; fi
    if ! kill -0 "$PID" 2>/dev/null; then
      echo "server exited early:"; cat "$WORK/server.log"; return 1
    fi
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/server.log"; return 1
}

# stop_server [signal]: stops it (TERM by default) and waits.
stop_server() {
  if [[ -n $PID ]]; then
    kill "-${1:-TERM}" "$PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    PID=""
  fi
}

# ksql PROTO SQL [extra-json-fields]: POST /ksql; sets STATUS and BODY.
# PROTO: h1 (HTTP/1.1), h2 (prior knowledge), h2u (HTTP/1.1 Upgrade: h2c).
ksql() {
  local proto=$1 sql=$2 extra=${3:-}
  local body
  body=$(jq -cn --arg s "$sql" '{ksql: $s}')
  [[ -n $extra ]] && body=$(jq -c ". + $extra" <<<"$body")
  request "$proto" POST /ksql "$body"
}

# request PROTO METHOD PATH [BODY]: sets STATUS, BODY and VERSION (1.1 or 2).
request() {
  local proto=$1 method=$2 path=$3 data=${4-}
  local flags=()
  case $proto in
    h1) flags=(--http1.1) ;;
    h2) flags=(--http2-prior-knowledge) ;;
    h2u) flags=(--http2) ;;
  esac
  local out
  if [[ -n $data ]]; then
    out=$(curl -s "${flags[@]}" -X "$method" -H 'Content-Type: application/vnd.ksql.v1+json' \
      -H 'Accept: application/vnd.ksql.v1+json' --data-binary "$data" \
      -w '\n%{http_code} %{http_version}' "http://127.0.0.1:$PORT$path")
  else
    out=$(curl -s "${flags[@]}" -X "$method" -w '\n%{http_code} %{http_version}' "http://127.0.0.1:$PORT$path")
  fi
  BODY=$(sed '$d' <<<"$out")
  local last
  last=$(tail -n1 <<<"$out")
  STATUS=${last%% *}
  VERSION=${last##* }
}

ok() { PASSES=$((PASSES + 1)); echo "ok   - $1"; }
not_ok() { FAILS=$((FAILS + 1)); echo "FAIL - $1"; [[ -n ${2:-} ]] && echo "       $2"; }

# expect NAME JQ-EXPR: checks that jq -e EXPR holds on $BODY.
expect() {
  if jq -e "$2" >/dev/null 2>&1 <<<"$BODY"; then ok "$1"; else not_ok "$1" "status $STATUS body: ${BODY:0:600}"; fi
}

expect_status() {
  if [[ $STATUS == "$2" ]]; then ok "$1"; else not_ok "$1" "want HTTP $2, got $STATUS: ${BODY:0:600}"; fi
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [[ $FAILS -eq 0 ]]
}
