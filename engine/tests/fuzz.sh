#!/usr/bin/env bash
# Build the libFuzzer target for the rx parser, reassembly and responder and run it for a
# bounded number of iterations.  Usage: engine/tests/fuzz.sh [RUNS] [BUILD_DIR]
#   RUNS       libFuzzer -runs (default 200000)
#   BUILD_DIR  meson build dir for the fuzz build (default build/engine-fuzz)
# Needs clang (libclang-rt-14-dev for libFuzzer/ASan). Exit status is
# libFuzzer's: non-zero on a crash, leak, timeout or sanitizer report.
set -euo pipefail
runs="${1:-200000}"
here="$(cd "$(dirname "$0")/.." && pwd)"          # engine/
root="$(cd "$here/.." && pwd)"
bdir="${2:-$root/build/engine-fuzz}"
case "$runs" in ''|*[!0-9]*) echo "fuzz.sh: RUNS must be a number, got '$runs'" >&2; exit 2 ;; esac

if [ ! -f "$bdir/build.ninja" ]; then
  CC=clang meson setup "$bdir" "$here" -Dfuzz=true -Dbuildtype=debug >/dev/null
fi
meson compile -C "$bdir" fuzz_rx_parse >/dev/null

corpus="$bdir/corpus"
mkdir -p "$corpus"
# fragments and ARP probes to start from: reassembly is deep behind the parser
python3 "$here/tests/fuzz_seeds.py" "$corpus"
echo "fuzz.sh: $runs runs of fuzz_rx_parse (corpus $corpus)" >&2
exec "$bdir/fuzz_rx_parse" -runs="$runs" -max_len=1600 -timeout=10 -print_final_stats=1 "$corpus"
