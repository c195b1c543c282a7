#!/usr/bin/env bash
# A full disk degrades the node, never aborts it: wardend's data directory
# sits on a small tmpfs made by the test; once a file fills it, new runs are
# refused with `unavailable` (no internal path in the tenant's error),
# warden_storage_writable drops to 0, status still answers, and the node
# keeps running for longer than RocksDB's own error recovery took to abort
# it before (~27 s); once the file is removed, it takes new runs again by
# itself. Needs root (mount); exits 77 (CTest: skipped) otherwise.
#
# Usage: full_disk_test.sh PATH_TO_WARDEND PATH_TO_WARDENCTL
set -uo pipefail

wardend=$1
wardenctl=$2
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: mounting a tmpfs needs root"
  exit 77
fi
disk="$work/disk"
mkdir -p "$disk"
if ! mount -t tmpfs -o size=48m tmpfs "$disk"; then
  echo "FAIL - cannot mount a tmpfs as root"
  exit 1
fi
trap 'kill -9 "${pid:-}" 2>/dev/null; wait "${pid:-}" 2>/dev/null; umount -l "$disk"; rm -rf "$work"' EXIT

{
  ephemeral_node_config "$disk/var"
  quick_agent_config 20 100
} >"$work/node.toml"

export WARDEN_TLS_DIR=$disk/var/tls
start_wardend "$work/node.toml"
check "wardend starts on the tmpfs" [ -n "$node_port" ]
[ -n "$node_port" ] || { cat "$work/node.err"; finish; exit 1; }

ctl() { timeout 20 "$wardenctl" --node "127.0.0.1:$node_port" "$@"; }
writable() {
  curl -sf --max-time 5 "http://127.0.0.1:$metrics_port/metrics" |
    sed -n 's/^warden_storage_writable \([0-9]*\).*/\1/p'
}

before=$(ctl submit --tenant acme --agent quick --input "before the disk fills")
ctl wait "$before" --tenant acme >/dev/null
check "a run succeeds while there is space" [ $? -eq 0 ]
check "storage is writable" [ "$(writable)" = 1 ]

dd if=/dev/zero of="$disk/filler" bs=1M >/dev/null 2>&1
# RocksDB preallocates its write-ahead log (about 18 MiB ahead): runs of
# 120 KB of input (a command line argument holds at most 128 KiB) use that
# up within a few dozen submissions.
big=$(head -c 120000 /dev/zero | tr '\0' 'x')
refused=no
for _ in $(seq 100); do
  ctl submit --tenant acme --agent quick --input "$big" >"$work/full.out" 2>"$work/full.err"
  if grep -q "unavailable" "$work/full.err"; then
    refused=yes
    break
  fi
done
check "new runs are refused with unavailable on a full disk" [ "$refused" = yes ]
check "the tenant's error names no internal path" \
  bash -c "! grep -q '$disk' '$work/full.err'"
check "the operator's log names the cause" grep -q "No space left" "$work/node.err"
check "warden_storage_writable is 0" [ "$(writable)" = 0 ]
ctl submit --tenant acme --agent quick --input small >/dev/null 2>"$work/small.err"
check "a small run is refused too, with a retry hint" \
  grep -q "unavailable: the node's storage is not accepting writes" "$work/small.err"
ctl status "$before" --tenant acme --json >"$work/status.json"
check "status still answers" contains "$work/status.json" '"state":"succeeded"'

# RocksDB's error recovery used to abort the node after about 27 s (its
# LOG file sat on the full disk); it must still be the same process after
# 35 s of a full disk, refusing with a reason all along.
for _ in $(seq 7); do
  sleep 5
  ctl submit --tenant acme --agent quick --input "still full" >/dev/null 2>&1
done
check "wardend is still running after 35 s on a full disk" kill -0 "$pid"
check "it wrote no LOG file on the data disk" [ ! -e "$disk/var/db/LOG" ]

rm -f "$disk/filler"
resumed=no
for _ in $(seq 40); do
  run=$(ctl submit --tenant acme --agent quick --input "space is back" 2>/dev/null)
  if [ -n "$run" ]; then
    resumed=yes
    break
  fi
  sleep 0.25
done
check "new runs are taken again once space returns, without a restart" [ "$resumed" = yes ]
if [ "$resumed" = yes ]; then
  ctl wait "$run" --tenant acme >/dev/null
  check "and they succeed" [ $? -eq 0 ]
fi
check "warden_storage_writable is 1 again" [ "$(writable)" = 1 ]

stop_wardend TERM
check "SIGTERM stops it with exit 0" [ $? -eq 0 ]
finish
