#!/usr/bin/env bash
# Installs the Debian 12 packages Vigil needs to build, test and run.
# Idempotent: it asks dpkg first and calls apt-get only for what is missing.
# Usage: scripts/setup-deps.sh [build|test|bench|fuzz]   (test and bench include build)
set -euo pipefail

level="${1:-build}"
build_pkgs=(build-essential cmake pkg-config libzmq3-dev cppzmq-dev libcpp-httplib-dev
  libsqlite3-dev libspdlog-dev libfmt-dev catch2 nlohmann-json3-dev libyaml-cpp-dev
  libsodium-dev libcurl4-openssl-dev libcli11-dev prometheus-cpp-dev libssl-dev libboost-dev libmimalloc-dev libical-dev)
test_pkgs=(prometheus-alertmanager python3 python3-zmq python3-aiosmtpd sqlite3 curl procps
  chromium)
bench_pkgs=(wrk)
fuzz_pkgs=(clang-16 libclang-rt-16-dev)  # libFuzzer builds (make fuzz)

want=("${build_pkgs[@]}")
case "$level" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  fuzz) want+=("${fuzz_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|fuzz]" >&2; exit 2 ;;
esac
# The browser test (tests/browser) runs on Node with npm; a machine that already has node and
# npm (from any source) keeps them, otherwise Debian's nodejs and npm are installed.
if [[ $level == test || $level == bench ]] && ! { command -v node && command -v npm; } >/dev/null; then
  want+=(nodejs npm)
fi

# tests/browser's npm packages (puppeteer-core), exactly as package-lock.json pins them. Runs
# npm ci only when node_modules does not match the committed lock file.
browser_deps() {
  [[ $level == test || $level == bench ]] || return 0
  local dir stamp sum
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  stamp="$dir/node_modules/.vigil-lock.sha256"
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    echo "setup-deps: tests/browser node_modules up to date"
    return 0
  fi
  echo "setup-deps: npm ci in tests/browser"
  (cd "$dir" && npm ci --no-audit --no-fund)
  echo "$sum" >"$stamp"
}

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#want[@]} packages present"
  browser_deps
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Do not start packaged services (alertmanager) on install; tests start their own copies.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null && $sudo chmod +x $policy && created_policy=1
fi
trap '[[ $created_policy == 1 ]] && $sudo rm -f $policy' EXIT
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
browser_deps
