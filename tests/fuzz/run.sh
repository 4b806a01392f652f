#!/usr/bin/env bash
# Fuzzes each parser with AFL++ for FUZZ_SECONDS (default 60) each, starting from the seed
# corpus. Findings land in build-fuzz/findings/<target>/crashes; copy a minimised crasher into
# tests/fuzz/corpus/<target>/ once fixed, so ordinary builds replay it forever.
set -euo pipefail
build="${1:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
status=0
for target in events_v2 alertmanager playbook; do
  out="$build/findings/$target"
  rm -rf "$out"
  mkdir -p "$(dirname "$out")"
  seeds="$here/corpus/$target"
  if [[ $target == playbook ]]; then  # the shipped playbooks and regime are seeds too
    seeds="$build/seeds/playbook"
    rm -rf "$seeds" && mkdir -p "$seeds"
    cp "$here/corpus/playbook/"* "$here/../../playbooks/"*.yaml "$here/../../playbooks/regime/"*.yaml "$seeds/"
  fi
  echo "==> fuzzing $target for ${seconds}s"
  afl-fuzz -V "$seconds" -i "$seeds" -o "$out" -- "$build/tests/fuzz/fuzz_$target" @@ \
    >"$out.log" 2>&1 || true
  crashes=$(find "$out" -path '*crashes/id*' 2>/dev/null | wc -l)
  execs=$(grep -h execs_done "$out"/default/fuzzer_stats 2>/dev/null | awk '{print $3}')
  echo "    executions: ${execs:-?}   crashes: $crashes"
  [[ $crashes -eq 0 ]] || status=1
done
exit $status
