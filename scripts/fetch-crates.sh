#!/usr/bin/env bash
# Downloads the crates of LIST ("name = version" a line, `#` comments) with `cargo fetch` and
# prints the registry folder that holds their sources (`<folder>/<name>-<version>/`).
# One throwaway project per crate: two semver-compatible versions cannot share a project.
# CARGO_HOME is $CANCELSAFE_BENCH_HOME, default ${TMPDIR:-/tmp}/cancelsafe-bench/cargo-home;
# point it at a cargo home that already holds the crates to skip the downloads.
# usage: scripts/fetch-crates.sh LIST
set -euo pipefail
list=$1
work=${TMPDIR:-/tmp}/cancelsafe-bench
home=${CANCELSAFE_BENCH_HOME:-$work/cargo-home}
mkdir -p "$home"
grep -vE '^\s*(#|$)' "$list" | tr -d ' "' | while IFS='=' read -r crate version; do
  if compgen -G "$home/registry/src/*/$crate-$version/" >/dev/null; then continue; fi
  proj=$work/projects/$crate-$version
  mkdir -p "$proj/src" && : >"$proj/src/lib.rs"
  printf '[package]\nname = "bench-probe"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = { version = "=%s", default-features = false }\n' \
    "$crate" "$version" >"$proj/Cargo.toml"
  (cd "$proj" && CARGO_HOME=$home cargo fetch --quiet) >&2 || echo "fetch-crates: could not fetch $crate $version" >&2
done
ls -d "$home"/registry/src/*/ | head -n 1
