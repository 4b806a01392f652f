#!/usr/bin/env bash
# The `make run` smoke check (make run-check): does what the README tells a newcomer to do, and
# fails loudly at the first step that does not work:
#   1. `make run` in the background (set-up, build, vigild on its embedded default config),
#      until it prints the ready-to-paste curl command;
#   2. `vigilctl watch --count 1` in the background, subscribed to the console;
#   3. the printed curl, exactly as printed: it must be answered "success";
#   4. the watch must show the page and exit;
#   5. Ctrl-C (SIGINT to the process group, as a terminal sends it): vigild must log "stopped"
#      and exit 0.
# Bounded: every wait has a deadline (the build may take a while on a fresh machine, so the
# first wait is the longest). Uses the default ports 127.0.0.1:7480/7481, as `make run` does;
# it refuses to start when they are taken. Leaves no process behind (each is ended by PID).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
START_TIMEOUT=${START_TIMEOUT:-1800}  # seconds until vigild prints its curl (includes the build)
work=$(mktemp -d /tmp/vigil-run-smoke.XXXXXX)
data=$work/data
runlog=$work/make-run.log
watchout=$work/watch.out
run_pid="" watch_pid=""

say() { echo "run-check: $*"; }
fail() {
  say "FAIL: $*"
  echo "---- make run output (last 40 lines) ----"; tail -n 40 "$runlog" 2>/dev/null
  echo "---- vigilctl watch output ----"; cat "$watchout" "$watchout.err" 2>/dev/null
  exit 1
}
cleanup() {
  [[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null
  [[ -n $run_pid ]] && kill -TERM -- "-$run_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in 7480 7481; do
  port_taken "$p" && fail "127.0.0.1:$p is already in use; stop what listens there first"
done

# 1. make run, in its own process group so that step 5 can Ctrl-C it as a terminal would.
say "starting: make run DATA=$data (output in $runlog)"
setsid make run DATA="$data" BUILD="$BUILD" >"$runlog" 2>&1 </dev/null &
run_pid=$!
deadline=$((SECONDS + START_TIMEOUT))
until grep -q "curl -sS -X POST" "$runlog" 2>/dev/null; do
  kill -0 "$run_pid" 2>/dev/null || fail "make run exited before vigild printed its curl command"
  ((SECONDS < deadline)) || fail "no curl command printed within ${START_TIMEOUT}s"
  sleep 0.5
done
curl_cmd=$(grep -m1 "curl -sS -X POST" "$runlog" | sed 's/^ *//')
say "vigild is up; it printed: $curl_cmd"

# 2. vigilctl watch, as the README's second terminal.
vigilctl="$BUILD/daemon/vigilctl"
watch_cmd=$(grep -m1 -- "vigilctl --data-dir .* watch" "$runlog" | sed 's/^ *//')
[[ -n $watch_cmd ]] || fail "vigild did not print the vigilctl watch command"
say "watching: $vigilctl --data-dir $data --lang en watch --count 1"
"$vigilctl" --data-dir "$data" --lang en watch --count 1 >"$watchout" 2>"$watchout.err" </dev/null &
watch_pid=$!
deadline=$((SECONDS + 20))
until grep -q "Watching" "$watchout.err" 2>/dev/null; do
  kill -0 "$watch_pid" 2>/dev/null || fail "vigilctl watch exited at once"
  ((SECONDS < deadline)) || fail "vigilctl watch did not start within 20s"
  sleep 0.1
done

# 3 and 4. The printed curl, until the watch shows a page. A ZeroMQ subscription takes effect
# only once its connection is up, so a page sent in the same instant can pass before it; each
# try is a new alert (the printed command has no dedup_key), at most three.
for try in 1 2 3; do
  reply=$(bash -c "$curl_cmd") || fail "the printed curl failed: $reply"
  grep -q '"status":"success"' <<<"$reply" || fail "the printed curl was not accepted: $reply"
  say "curl answered: $reply"
  deadline=$((SECONDS + 5))
  while kill -0 "$watch_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$watch_pid" 2>/dev/null || break
done
if kill -0 "$watch_pid" 2>/dev/null; then fail "vigilctl watch saw no page after 3 alerts"; fi
wait "$watch_pid"; watch_rc=$?; watch_pid=""
grep -q "\[PAGE\]" "$watchout" || fail "vigilctl watch exited ($watch_rc) without showing a page"
say "the watch saw: $(grep -m1 '\[PAGE\]' "$watchout")"

# 5. Ctrl-C.
kill -INT -- "-$run_pid"
deadline=$((SECONDS + 30))
while kill -0 "$run_pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "vigild did not stop within 30s of Ctrl-C"
  sleep 0.1
done
wait "$run_pid" 2>/dev/null; run_pid=""
grep -q "\[vigild\] stopped" "$runlog" || fail "vigild's log has no 'stopped' line after Ctrl-C"
grep -qE "terminate called|Aborted|Segmentation" "$runlog" && fail "vigild crashed while stopping"
say "PASS: make run started vigild, the printed curl was accepted, the watch saw the page, Ctrl-C stopped it cleanly"
