#!/usr/bin/env bash
# The dependency benchmark of issue 7: scans `mongodb` 3.9.1's sources as a workspace (its
# lock file, pinned in benches/deps/, resolves 349 packages) with and without dependencies,
# on a cold and a warm cache, in alternating rounds, and prints medians and ratios.
#   cold:      no cache at all (dependencies parsed, solved, stored)
#   edited:    the cache as the last run left it, one workspace file edited before each run
#              (the stored result misses; dependencies come from the cache)
#   unchanged: nothing edited (the stored result is returned)
# usage: scripts/bench-deps.sh [ROUNDS]   (downloads with cargo the first time)
set -euo pipefail
rounds=${1:-7}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${TMPDIR:-/tmp}/cancelsafe-bench-deps
ws=$work/mongodb
if [ ! -f "$ws/Cargo.lock" ]; then
  mkdir -p "$work/probe/src" && : >"$work/probe/src/lib.rs"
  printf '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nmongodb = "=3.9.1"\n' >"$work/probe/Cargo.toml"
  (cd "$work/probe" && cargo fetch --quiet)
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/mongodb-3.9.1 | head -n 1)
  rm -rf "$ws" && cp -r "$src" "$ws"
  cp "$repo/benches/deps/mongodb-3.9.1.Cargo.lock" "$ws/Cargo.lock"
  (cd "$ws" && cargo fetch --quiet)
fi
(cd "$repo" && cargo build --release --quiet)
python3 - "$repo/target/release/cargo-cancelsafe" "$ws" "$rounds" <<'PY'
import shutil, statistics, subprocess, sys, time
binary, ws, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
cache = f"{ws}/target/cancelsafe-cache"
edited = f"{ws}/src/lib.rs"
original = open(edited).read()

def run(args):
    start = time.perf_counter()
    subprocess.run([binary, "cancelsafe", *args], cwd=ws, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start

def edit(n):
    with open(edited, "w") as f:
        f.write(original + f"\n// bench edit {n}\n")

times = {k: [] for k in ["cold deps", "cold no-deps", "edited deps", "edited no-deps",
                         "unchanged deps", "unchanged no-deps"]}
n = 0
try:
    for _ in range(rounds):
        for mode, args in [("deps", []), ("no-deps", ["--no-deps"])]:
            shutil.rmtree(cache, ignore_errors=True)
            times[f"cold {mode}"].append(run(args))
            n += 1; edit(n); run(args)      # settle the cache on this mode
            n += 1; edit(n)
            times[f"edited {mode}"].append(run(args))
            times[f"unchanged {mode}"].append(run(args))
finally:
    open(edited, "w").write(original)
med = {k: statistics.median(v) for k, v in times.items()}
for k, v in times.items():
    print(f"{k:<18} median {med[k]*1e3:7.1f} ms  (min {min(v)*1e3:.1f}, max {max(v)*1e3:.1f}, {len(v)} runs)")
for case, limit in [("cold", 2.0), ("edited", 1.2), ("unchanged", 1.2)]:
    ratio = med[f"{case} deps"] / med[f"{case} no-deps"]
    verdict = "met" if ratio < limit else "MISSED"
    print(f"ratio {case:<9} {ratio:5.2f} (target < {limit}): {verdict}")
PY
