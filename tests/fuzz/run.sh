#!/usr/bin/env bash
# Fuzzes each target with libFuzzer for FUZZ_SECONDS (default 60) each, starting from its seed
# corpus, and prints executions, exec/s and crashes per target. New inputs go to
# BUILD/corpus/<target> (the repository's seeds are only read); findings land in
# BUILD/findings/<target>/ (crash-*, leak-*, timeout-*). Once fixed, copy the minimised
# crasher (fuzz_<target> -minimize_crash=1 FILE) into tests/fuzz/corpus/<target>/ so ordinary
# builds replay it forever. Usage: tests/fuzz/run.sh [BUILD] [TARGET...]
set -euo pipefail
build="${1:-build-fuzz}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(events_v2 alertmanager playbook http)
seconds="${FUZZ_SECONDS:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
status=0
for target in "${targets[@]}"; do
  out="$build/findings/$target"
  work="$build/corpus/$target"
  rm -rf "$out"
  mkdir -p "$out" "$work"
  seeds=("$here/corpus/$target")
  [[ $target == playbook ]] && seeds+=("$here/../../playbooks")  # the shipped ones too
  echo "==> fuzzing $target for ${seconds}s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/" "$work" "${seeds[@]}" >"$out.log" 2>&1 || true
  crashes=$(find "$out" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
              -o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$out.log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$out.log")
  echo "    executions: ${execs:-?}   exec/s: ${rate:-?}   crashes: $crashes   (log: $out.log)"
  [[ $crashes -eq 0 && -n $execs ]] || status=1
done
exit $status
