#!/usr/bin/env bash
# Installs Warden into a temporary prefix, builds examples/ against it with
# find_package(warden), and runs the example: proves the installed package
# (headers, libraries, warden-config.cmake) works for users.
#
# Usage: package_test.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER]
set -euo pipefail
build=$1
source=$2
compiler=()
[ -n "${3:-}" ] && compiler=(-DCMAKE_CXX_COMPILER="$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/examples" -B "$work/example" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${compiler[@]}" >/dev/null
cmake --build "$work/example" -j2 >/dev/null
"$work/example/warden-example" | tee "$work/out"
grep -q "run 2 succeeded" "$work/out"
echo "1 passed, 0 failed"
