#!/usr/bin/env bash
# install-deps.sh - installs the Debian 12 packages eddy needs to build, run and test (idempotent).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git curl ca-certificates
  clang libclang-rt-14-dev              # sanitizers and libFuzzer for the test build
  lemon                                 # SQLite's parser generator (sql/grammar.y)
  librdkafka-dev libsqlite3-dev libjansson-dev libavro-dev librocksdb-dev
  libh2o-evloop-dev libcurl4-openssl-dev libcmocka-dev libedit-dev libssl-dev
  kcat nghttp2-client jq                # integration tests
  nodejs npm                            # the ksqlDB npm client used by the integration tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may have Node.js from elsewhere already; then leave it alone.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
