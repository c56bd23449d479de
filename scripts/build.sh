#!/usr/bin/env bash
# build.sh - configures and builds eddy: build/ (the release binary build/eddy) or, with --test, also
# build-test/ (clang, ASan + UBSan, libFuzzer targets: what the test command runs).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDDY_TESTS=OFF >/dev/null
cmake --build build -j"$jobs"

if [[ ${1:-} == --test ]]; then
  cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DEDDY_SANITIZE=ON -DEDDY_FUZZ=ON -DEDDY_TESTS=ON >/dev/null
  cmake --build build-test -j"$jobs"
fi
