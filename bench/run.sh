#!/usr/bin/env bash
# Vigil benchmark: vigild against Prometheus Alertmanager 0.25, same machine, same run.
#
#   bench/run.sh [BUILD_DIR]        (make bench runs it as bench/run.sh build)
#
# BUILD_DIR must hold daemon/vigild and bench/vigil-bench-latency, ideally a Release build:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2
#
# Phases, one server under load at a time, each on a fresh data directory:
#   1. vigild memory: RSS idle after start, then after 50,000 and 100,000 open alerts
#   2. single-event ingest, 64 connections: vigild POST /v2/enqueue, then Alertmanager
#      POST /api/v2/alerts (1 alert per request)
#   3. 100-alert batches, 64 connections: vigild POST /api/v1/integrations/alertmanager, then
#      Alertmanager POST /api/v2/alerts (100 alerts per request)
#   4. Alertmanager memory: RSS idle, then after 100,000 alerts (for comparison only)
#   5. POST -> ZeroMQ page latency at 10 events/s and at half vigild's phase-2 rate
# Every alert sent is NEW (dedup keys / fingerprints / label sets never reused).
#
# Environment knobs (defaults in brackets):
#   BENCH_SECONDS [10]   wrk duration per throughput phase
#   BENCH_CONNS   [64]   wrk connections;  BENCH_THREADS [2] wrk threads
#   BENCH_SLOW_SECONDS [30]  duration of the 10 events/s latency phase
#   BENCH_HALF_SECONDS [10]  duration of the half-max-rate latency phase
#   BENCH_FILL   [100000]    open alerts for the RSS-per-alert figure
#   BENCH_OUT    [/tmp/vigil-bench.<date>]  raw logs (wrk output, daemon logs, top -H snapshots)
#   BENCH_BEFORE [unset]     a second build dir: instead of the phases above, an A/B of its
#                            vigild (before) against BUILD_DIR's (after), BENCH_AB_ROUNDS [3]
#                            alternating rounds of phases 2 and 3, medians and ratios
# Only 127.0.0.1 is used. Every process started here is stopped by PID on exit, and a watchdog
# ends the whole run after BENCH_DEADLINE [290] seconds.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${1:-$HERE/../build-bench}"
BUILD="$(cd "$BUILD" 2>/dev/null && pwd)" || { echo "run.sh: no build dir ${1:-build-bench}" >&2; exit 2; }
VIGILD="$BUILD/daemon/vigild"
LATENCY="$BUILD/bench/vigil-bench-latency"
AM_BIN="${AM_BIN:-$(command -v prometheus-alertmanager || command -v alertmanager || true)}"

SECS="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNS:-64}"
WTHREADS="${BENCH_THREADS:-2}"
SLOW_SECS="${BENCH_SLOW_SECONDS:-30}"
HALF_SECS="${BENCH_HALF_SECONDS:-10}"
FILL="${BENCH_FILL:-100000}"
DEADLINE="${BENCH_DEADLINE:-290}"
HTTP_THREADS=8  # vigild's default http.threads (API pool), written into the bench config explicitly

for bin in "$VIGILD" "$LATENCY"; do
  [[ -x "$bin" ]] || { echo "run.sh: missing $bin (build the bench targets first)" >&2; exit 2; }
done
for tool in wrk python3 curl openssl sha256sum; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required (scripts/setup-deps.sh bench)" >&2; exit 2; }
done
[[ -n "$AM_BIN" ]] || { echo "run.sh: prometheus-alertmanager not found" >&2; exit 2; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${BENCH_OUT:-/tmp/vigil-bench.$STAMP}"
mkdir -p "$OUT"
export BENCH_NOTES="$OUT/notes.txt"
: >"$BENCH_NOTES"
WORK="$(mktemp -d /tmp/vigil-bench-data.XXXXXX)"

# ---------------------------------------------------------------- process bookkeeping
PIDS=()
WATCHDOG=""
stop_pid() {  # stop_pid PID: SIGTERM, then SIGKILL after 5 s; only ever our own children
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  (pid $pid did not stop within 5 s of SIGTERM; sending SIGKILL)" | tee -a "$OUT/notes.txt"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  trap - EXIT INT TERM
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  [[ -n "$WATCHDOG" ]] && kill "$WATCHDOG" 2>/dev/null && wait "$WATCHDOG" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM
# Watchdog: the run ends by itself even if something hangs.
# (Its sleep is killed with it, so nothing outlives the run.)
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$DEADLINE" &
  sp=$!
  wait "$sp" && { echo "run.sh: deadline of ${DEADLINE}s reached, stopping" >&2; kill -TERM $$; }
) &
WATCHDOG=$!

forget_pid() { local p keep=(); for p in "${PIDS[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done; PIDS=("${keep[@]}"); }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null; }
wait_url() {  # wait_url URL PID: until the URL answers 200, the process died, or 15 s passed
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$2" 2>/dev/null || return 1
    curl -fsS -o /dev/null -m 1 "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- vigild
KEY="$(openssl rand -hex 16)"
KEY_SHA="$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
VPID="" VPORT="" VDIR="" VCONSOLE=""
start_vigild() {  # start_vigild NAME
  local name="$1"
  VDIR="$WORK/vigil-$name"
  mkdir -p "$VDIR"
  VPORT="$(free_port)"
  local cport
  cport="$(free_port)"
  cat >"$WORK/vigil-$name.yaml" <<EOF
# Defaults from config/vigil.example.yaml except the addresses, the language and one integration.
language: en
http:
  threads: $HTTP_THREADS
bus:
  console: tcp://127.0.0.1:$cport
integrations:
  - name: bench
    kind: any
    key_sha256: $KEY_SHA
EOF
  "$VIGILD" --config "$WORK/vigil-$name.yaml" --data-dir "$VDIR/data" \
    --listen "127.0.0.1:$VPORT" >"$OUT/vigild-$name.log" 2>&1 &
  VPID=$!
  PIDS+=("$VPID")
  VCONSOLE="tcp://127.0.0.1:$cport"
  if ! wait_url "http://127.0.0.1:$VPORT/healthz" "$VPID"; then
    echo "vigild ($name) did not start; see $OUT/vigild-$name.log" >&2
    tail -5 "$OUT/vigild-$name.log" >&2
    return 1
  fi
}
stop_vigild() { stop_pid "$VPID"; forget_pid "$VPID"; rm -rf "$VDIR"; VPID=""; }
vigil_metric() {  # vigil_metric NAME -> value from /metrics (admin token)
  curl -fsS -m 5 -H "Authorization: Bearer $(cat "$VDIR/data/admin.token")" \
    "http://127.0.0.1:$VPORT/metrics" 2>/dev/null |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%.0f", s}'
}

# engine_snapshot -> "commits commands commit_seconds" from vigild's /metrics
engine_snapshot() {
  curl -fsS -m 5 -H "Authorization: Bearer $(cat "$VDIR/data/admin.token")" \
    "http://127.0.0.1:$VPORT/metrics" 2>/dev/null | awk '
    $1 == "vigil_engine_batch_commands_count" {n = $2} $1 == "vigil_engine_batch_commands_sum" {c = $2}
    $1 == "vigil_engine_commit_seconds_sum" {s = $2} END {printf "%s %s %s", n + 0, c + 0, s + 0}'
}
engine_report() {  # engine_report "BEFORE" "AFTER" SECONDS
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
b = [float(x) for x in sys.argv[1].split()]; a = [float(x) for x in sys.argv[2].split()]
secs = float(sys.argv[3]); n, c, s = a[0] - b[0], a[1] - b[1], a[2] - b[2]
if n > 0:
    print(f"    engine: {n:.0f} commits, {c / n:.1f} commands/commit, mean apply+commit {s / n * 1000:.2f} ms,"
          f" busy committing {s / secs * 100:.0f}% of the window")
EOF
}
# sys_busy: share of all CPUs busy over 0.5 s (other work on the machine before a phase)
sys_busy() {
  python3 - <<'EOF'
import time
def snap():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = snap(); time.sleep(0.5); t1, i1 = snap()
print(f"{(1 - (i1 - i0) / max(1, t1 - t0)) * 100:.0f}")
EOF
}
QUIET_WAITED=0
quiet_check() {  # quiet_check LABEL: wait (<= 20 s, <= 60 s per run) for other work to stop
  local b waited=0
  b=$(sys_busy)
  while ((b > 15 && waited < 20 && QUIET_WAITED < 60)); do
    sleep 2
    waited=$((waited + 2)) QUIET_WAITED=$((QUIET_WAITED + 2))
    b=$(sys_busy)
  done
  if ((b > 15)); then
    echo "  WARNING: machine ${b}% busy before $1 (other processes); figures may be low"
  fi
}

# ---------------------------------------------------------------- Alertmanager
APID="" APORT="" ADIR=""
start_am() {  # start_am NAME
  local name="$1"
  ADIR="$WORK/am-$name"
  mkdir -p "$ADIR/data"
  APORT="$(free_port)"
  cat >"$ADIR/alertmanager.yml" <<'EOF'
route:
  receiver: "null"
receivers:
  - name: "null"
EOF
  "$AM_BIN" --config.file="$ADIR/alertmanager.yml" --storage.path="$ADIR/data" \
    --web.listen-address="127.0.0.1:$APORT" --cluster.listen-address= \
    >"$OUT/alertmanager-$name.log" 2>&1 &
  APID=$!
  PIDS+=("$APID")
  if ! wait_url "http://127.0.0.1:$APORT/-/ready" "$APID"; then
    echo "alertmanager ($name) did not start; see $OUT/alertmanager-$name.log" >&2
    return 1
  fi
}
stop_am() { stop_pid "$APID"; forget_pid "$APID"; rm -rf "$ADIR"; APID=""; }
am_received() {
  curl -fsS -m 5 "http://127.0.0.1:$APORT/metrics" 2>/dev/null |
    awk '$1 ~ /^alertmanager_alerts_received_total/ {s += $2} END {printf "%.0f", s}'
}

# ---------------------------------------------------------------- per-thread CPU
# cpu_snapshot PID FILE: one line per thread "tid comm ticks run_ns wait_ns" (/proc stat and
# schedstat: on-CPU time, time runnable but waiting for a CPU), plus "0 machine busy_ticks"
# and "-1 io write_bytes" (the process's bytes sent to the block layer).
cpu_snapshot() {
  local t
  {
  # /proc/stat cpu: user nice system idle iowait irq softirq steal ...
  awk 'NR == 1 {printf "0 machine %.0f 0 0\n-3 irq %.0f 0 0\n-4 steal %.0f 0 0\n",
                $2 + $3 + $4, $7 + $8, $9}' /proc/stat
  awk '$1 == "write_bytes:" {printf "-1 io %.0f 0 0\n", $2}' "/proc/$1/io" 2>/dev/null
  # kernel threads (children of kthreadd: writeback, journal, softirq) work for whoever
  # writes to disk or the network, so they are not counted as "other processes".
  cat /proc/[0-9]*/stat 2>/dev/null | awk '{
      c2 = 0; for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { c2 = i; break }
      split(substr($0, c2 + 2), f, " "); if (f[2] == 2 || $1 == 2) k += f[12] + f[13] }
      END { printf "-2 kernel %.0f 0 0\n", k }'
  for t in /proc/"$1"/task/*; do
    [[ -r "$t/stat" ]] || continue
    awk -v tid="${t##*/}" -v sched="$(cat "$t/schedstat" 2>/dev/null)" '{
      line = $0; c1 = index(line, "("); c2 = 0
      for (i = length(line); i > 0; i--) if (substr(line, i, 1) == ")") { c2 = i; break }
      comm = substr(line, c1 + 1, c2 - c1 - 1); gsub(/ /, "_", comm)
      split(substr(line, c2 + 2), f, " "); split(sched, s, " ")
      printf "%s %s %.0f %.0f %.0f\n", tid, comm, f[12] + f[13], s[1], s[2] }' "$t/stat" 2>/dev/null
  done
  } >"$2"
}
# cpu_report PID BEFORE AFTER SECONDS KIND [LOADGEN_CPU_S] [EVENTS]: cores used by the server,
# the load generator and everything else; for vigild also its busiest threads by name, the CPU
# per event of each stage, and disk writes.
cpu_report() {
  python3 - "$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-}" "$HTTP_THREADS" <<'EOF'
import os, sys
pid, before, after, secs, kind = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
loadgen = float(sys.argv[6]) / secs if sys.argv[6] else float("nan")
events = float(sys.argv[7]) if sys.argv[7] else 0
npool = int(sys.argv[8])
hz = os.sysconf("SC_CLK_TCK")
def load(p):
    d = {}
    for line in open(p):
        tid, comm, ticks, run, wait = line.split()
        d[int(tid)] = (comm, float(ticks), float(run), float(wait))
    return d
b, a = load(before), load(after)
def d(t, i): return a[t][i] - b.get(t, (None, 0, 0, 0))[i]
delta = {t: (a[t][0], d(t, 1) / hz / secs) for t in a}
runq = {t: d(t, 3) / 1e9 / secs for t in a}
machine = delta.pop(0)[1]
wbytes = d(-1, 1) if -1 in a else 0
delta.pop(-1, None)
kernel = delta.pop(-2, (None, 0.0))[1]
irq = delta.pop(-3, (None, 0.0))[1]
steal = delta.pop(-4, (None, 0.0))[1]
total = sum(v[1] for v in delta.values())
other = machine - total - loadgen - kernel
print(f"    CPU (cores): {kind} {total:.2f}, load generator {loadgen:.2f}, kernel threads"
      f" {kernel:.2f}, other processes {max(0.0, other):.2f}; machine {machine + irq:.2f} of"
      f" {os.cpu_count()} busy (irq/softirq {irq:.2f}; hypervisor steal {steal:.2f})")
if other > 0.15:
    print(f"    WARNING: other processes used {other:.2f} cores during this window; re-run when quiet")
    open(os.environ["BENCH_NOTES"], "a").write(
        f"{os.environ.get('BENCH_LABEL', kind)} window disturbed: other processes {other:.2f} cores\n")
if kind != "vigild":
    sys.exit()
if wbytes:
    per = f", {wbytes / events:,.0f} B per event" if events else ""
    print(f"    disk writes: {wbytes / secs / 1e6:.1f} MB/s{per}")
# vigild names its threads (vigil-engine, vigil-http-io, vigil-wal, vigil-n-<channel>);
# the unnamed ones besides main are the HTTP API pool (http.threads).
role = {t: c for t, (c, _) in delta.items() if c.startswith("vigil-") or c.startswith("ZMQ")}
role[int(pid)] = "main"
pool = [t for t in delta if t not in role]
for t in pool: role[t] = "http api pool"
poolsum = sum(delta[t][1] for t in pool)
busy = [t for t in pool if delta[t][1] > 0.005]
print(f"    http api pool: {poolsum:.2f} cores over {len(busy)} busy of {len(pool)} threads")
if events:
    for name in ("vigil-http-io", "vigil-engine", "ZMQbg/IO/0"):
        cores = sum(delta[t][1] for t in delta if role.get(t) == name)
        print(f"    {name:15s} {cores:.2f} cores = {cores * secs / events * 1e6:5.1f} us of CPU per event")
for t in sorted((t for t in delta if t not in pool), key=lambda t: -delta[t][1])[:5]:
    oncpu, rq = delta[t][1], runq[t]
    print(f"    {role.get(t, '?'):15s} tid {t:<7d} on CPU {oncpu*100:5.1f}%, runnable waiting"
          f" {rq*100:5.1f}%, blocked/idle {max(0.0, 1 - oncpu - rq)*100:5.1f}% of the window")
EOF
}

# load_gen TIMES_FILE CMD...: runs CMD (in a subshell started with &), then writes the CPU
# seconds it and its children used to TIMES_FILE. SIGTERM to the subshell is passed on.
load_gen() {
  local tf="$1"; shift
  "$@" &
  local c=$!
  trap 'kill -TERM $c 2>/dev/null' TERM
  wait "$c"; wait "$c" 2>/dev/null
  times >"$tf.raw"  # not in a pipeline: a pipeline's subshell has no children to report
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] }
                 printf "%.2f\n", t }' "$tf.raw" >"$tf"
}

# ---------------------------------------------------------------- wrk
# run_wrk LABEL SCRIPT URL BATCH KIND PID -> W_REQS W_OK W_SECS W_EPS W_P50 W_P99 W_ERR
run_wrk() {
  local label="$1" script="$2" url="$3" batch="$4" kind="$5" pid="$6"
  local log="$OUT/wrk-$label.txt"
  quiet_check "$label"
  local eng0=""
  [[ "$kind" == vigild ]] && eng0="$(engine_snapshot)"
  cpu_snapshot "$pid" "$OUT/cpu-$label.0"
  local t0 t1
  t0=$(date +%s.%N)
  ( export VIGIL_KEY="$KEY" BENCH_BATCH="$batch" BENCH_RUN="$RANDOM"
    load_gen "$log.cpu" timeout $((SECS + 20)) wrk -t"$WTHREADS" -c"$CONNS" -d"${SECS}s" \
      --timeout 5s --latency -s "$HERE/$script" "$url" >"$log" 2>&1 ) &
  local wpid=$!
  PIDS+=("$wpid")
  # One top -H snapshot in the middle of the load (second frame: a real 1 s interval).
  ( sleep $((SECS / 2)); top -H -b -d 1 -n 2 -p "$pid" 2>/dev/null |
      awk '/^top -/{f++} f==2' >"$OUT/top-$label.txt" ) &
  local tpid=$!
  PIDS+=("$tpid")
  wait "$wpid"; forget_pid "$wpid"
  wait "$tpid" 2>/dev/null; forget_pid "$tpid"
  t1=$(date +%s.%N)
  cpu_snapshot "$pid" "$OUT/cpu-$label.1"
  eval "$(awk -v batch="$batch" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                     if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    / requests in / { reqs = $1; secs = $4; sub(/s,?$/, "", secs) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { err = $0; sub(/^ *Socket errors: */, "", err) }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { ok = reqs - non2xx; eps = secs > 0 ? ok * batch / secs : 0
          printf "W_REQS=%d W_OK=%d W_SECS=%s W_EPS=%.0f W_P50=%.2f W_P99=%.2f W_ERR=\"%s\"\n",
                 reqs, ok, secs, eps, p50, p99, err }' "$log")"
  printf "  %-34s %9.0f events/s  (%d requests x %d, %s s; non-2xx %d)  p50 %.2f ms  p99 %.2f ms\n" \
    "$label" "$W_EPS" "$W_OK" "$batch" "$W_SECS" $((W_REQS - W_OK)) "$W_P50" "$W_P99"
  [[ -n "$W_ERR" ]] && echo "    socket errors: $W_ERR"
  BENCH_LABEL="$label" cpu_report "$pid" "$OUT/cpu-$label.0" "$OUT/cpu-$label.1" \
    "$(python3 -c "print($t1 - $t0)")" "$kind" "$(cat "$log.cpu" 2>/dev/null)" $((W_OK * batch))
  [[ "$kind" == vigild ]] && engine_report "$eng0" "$(engine_snapshot)" "$(python3 -c "print($t1 - $t0)")"
  return 0
}

# ================================================================ run
now_s() { date +%s; }
T_START=$(now_s)
COMMIT="$(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
# Uncommitted edits outside bench/ are part of what was built: say so.
DIRTY=$(git -C "$HERE/.." status --porcelain --untracked-files=no 2>/dev/null | grep -vc ' bench/')
((DIRTY > 0)) && COMMIT="$COMMIT+$DIRTY-uncommitted-files"
STALE=$(find "$HERE/../daemon" "$HERE/../config" "$HERE/../notifiers" \( -name '*.cc' -o -name '*.h' \) \
  -newer "$VIGILD" 2>/dev/null | wc -l)
BTYPE="$(awk -F= '/^CMAKE_BUILD_TYPE:/{print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null)"
echo "Vigil benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $COMMIT  build $BUILD ($BTYPE)"
echo "  machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), load avg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  alertmanager: $("$AM_BIN" --version 2>&1 | head -1)"
echo "  wrk -t$WTHREADS -c$CONNS -d${SECS}s; raw logs in $OUT"
[[ "$BTYPE" == "Release" ]] || echo "  WARNING: $BUILD is a $BTYPE build, not Release"
((STALE > 0)) && echo "  WARNING: $STALE source files are newer than $VIGILD; rebuild to measure this tree"
# Both cores are shared by the server and the load generator: wait (up to 30 s) for other work
# on the machine, such as a compile, to finish before measuring.
for ((i = 0; i < 12; i++)); do
  busy=$(sys_busy)
  ((busy <= 15)) && break
  ((i == 0)) && echo "  machine ${busy}% busy with other work; waiting up to 30 s for it to settle"
  sleep 2.5
done
echo "  machine busy before start: ${busy}%"
echo

# ---- A/B: before against after, in the same run (BENCH_BEFORE=OLD_BUILD_DIR)
# Rounds alternate the two binaries (before, after, before, after, ...) so that whatever else
# the machine does falls on both alike; the report gives each round, the medians and the
# after/before ratios. Only phases 2 and 3 (single events, 100-alert batches) are run.
if [[ -n "${BENCH_BEFORE:-}" ]]; then
  BEFORE_VIGILD="$(cd "$BENCH_BEFORE" 2>/dev/null && pwd)/daemon/vigild"
  [[ -x "$BEFORE_VIGILD" ]] || { echo "run.sh: no vigild in BENCH_BEFORE=$BENCH_BEFORE" >&2; exit 2; }
  AFTER_VIGILD="$VIGILD"
  ROUNDS="${BENCH_AB_ROUNDS:-3}"
  echo "[A/B] before: $BEFORE_VIGILD"
  echo "      after:  $AFTER_VIGILD"
  echo "      $ROUNDS rounds, alternating; single events and 100-alert batches, ${SECS}s each"
  : >"$OUT/ab.tsv"
  for ((r = 1; r <= ROUNDS; r++)); do
    for side in before after; do
      if [[ $side == before ]]; then VIGILD="$BEFORE_VIGILD"; else VIGILD="$AFTER_VIGILD"; fi
      for spec in "single enqueue.lua 1" "batch100 am_webhook.lua 100"; do
        read -r phase script per_request <<<"$spec"
        start_vigild "$side-$phase-$r" || continue
        sleep 1
        run_wrk "$side-$phase-$r" "$script" "http://127.0.0.1:$VPORT" "$per_request" vigild "$VPID" >/dev/null
        printf "%s\t%s\t%s\t%s\t%s\n" "$side" "$phase" "$W_EPS" "$W_P50" "$W_P99" >>"$OUT/ab.tsv"
        printf "  round %d %-6s %-8s %8s events/s, p99 %s ms\n" "$r" "$side" "$phase" "$W_EPS" "$W_P99"
        stop_vigild
      done
    done
  done
  VIGILD="$AFTER_VIGILD"
  python3 - "$OUT/ab.tsv" <<'EOF2'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(side, phase, col):
    v = [float(r[col]) for r in rows if r[0] == side and r[1] == phase]
    return statistics.median(v) if v else float("nan")
print()
print(f"  {'phase':10s} {'before ev/s':>12s} {'after ev/s':>12s} {'ratio':>7s}   {'p99 before':>10s} {'p99 after':>10s}")
for phase in ("single", "batch100"):
    b, a = med("before", phase, 2), med("after", phase, 2)
    pb, pa = med("before", phase, 4), med("after", phase, 4)
    ratio = a / b if b else float("nan")
    flag = "" if ratio >= 0.95 else "   WORSE THAN 5%"
    print(f"  {phase:10s} {b:12.0f} {a:12.0f} {ratio:7.3f}   {pb:8.2f}ms {pa:8.2f}ms{flag}")
EOF2
  exit 0
fi

# ---- 1. vigild memory
echo "[1/5] vigild memory (fresh data dir)"
RSS_IDLE="" RSS_HALF="" RSS_FULL="" OPEN_ALERTS=""
if start_vigild mem; then
  sleep 2
  RSS_IDLE=$(rss_kib "$VPID")
  half=$((FILL / 2))
  timeout 60 "$LATENCY" --port "$VPORT" --key "$KEY" --fill "$half" --batch 100 --conns 4 \
    >"$OUT/fill-vigild-1.txt" 2>&1 || echo "  fill failed: $(tail -2 "$OUT/fill-vigild-1.txt")"
  sleep 1
  RSS_HALF=$(rss_kib "$VPID")
  timeout 60 "$LATENCY" --port "$VPORT" --key "$KEY" --fill $((FILL - half)) --offset "$half" --batch 100 \
    --conns 4 >"$OUT/fill-vigild-2.txt" 2>&1 || echo "  fill failed: $(tail -2 "$OUT/fill-vigild-2.txt")"
  sleep 2
  RSS_FULL=$(rss_kib "$VPID")
  OPEN_ALERTS=$(vigil_metric vigil_open_alerts)
  echo "  idle RSS $((RSS_IDLE / 1024)) MiB ($RSS_IDLE KiB); after $half alerts $RSS_HALF KiB;" \
    "after $FILL alerts $RSS_FULL KiB (vigil_open_alerts=$OPEN_ALERTS)"
  grep -h '^fill:' "$OUT"/fill-vigild-*.txt | sed 's/^/  /'
  stop_vigild
fi
echo

# ---- 2. single events
echo "[2/5] single-event ingest, 1 new alert per request, $CONNS connections, ${SECS}s each"
V1_EPS=0 V1_P50=0 V1_P99=0 A1_EPS=0 A1_P50=0 A1_P99=0 V1_CREATED=""
if start_vigild single; then
  sleep 1
  run_wrk vigild-single enqueue.lua "http://127.0.0.1:$VPORT" 1 vigild "$VPID"
  V1_EPS=$W_EPS V1_P50=$W_P50 V1_P99=$W_P99 V1_OK=$W_OK
  V1_CREATED=$(vigil_metric vigil_alerts_created_total)
  echo "    check: vigil_alerts_created_total=$V1_CREATED for $V1_OK accepted requests"
  stop_vigild
fi
sleep 1
if start_am single; then
  sleep 1
  run_wrk alertmanager-single am_v2.lua "http://127.0.0.1:$APORT" 1 alertmanager "$APID"
  A1_EPS=$W_EPS A1_P50=$W_P50 A1_P99=$W_P99
  echo "    check: alertmanager_alerts_received_total=$(am_received) for $W_OK accepted requests"
  stop_am
fi
echo

# ---- 3. 100-alert batches
echo "[3/5] 100-alert batches, $CONNS connections, ${SECS}s each"
V100_EPS=0 V100_P50=0 V100_P99=0 A100_EPS=0 A100_P50=0 A100_P99=0
if start_vigild batch; then
  sleep 1
  run_wrk vigild-batch100 am_webhook.lua "http://127.0.0.1:$VPORT" 100 vigild "$VPID"
  V100_EPS=$W_EPS V100_P50=$W_P50 V100_P99=$W_P99
  echo "    check: vigil_alerts_created_total=$(vigil_metric vigil_alerts_created_total) for $((W_OK * 100)) accepted alerts"
  stop_vigild
fi
sleep 1
if start_am batch; then
  sleep 1
  run_wrk alertmanager-batch100 am_v2.lua "http://127.0.0.1:$APORT" 100 alertmanager "$APID"
  A100_EPS=$W_EPS A100_P50=$W_P50 A100_P99=$W_P99
  echo "    check: alertmanager_alerts_received_total=$(am_received) for $((W_OK * 100)) accepted alerts"
  stop_am
fi
echo

# ---- 4. Alertmanager memory (comparison only)
echo "[4/5] Alertmanager memory (comparison)"
AM_IDLE="" AM_FULL=""
if start_am mem; then
  sleep 2
  AM_IDLE=$(rss_kib "$APID")
  timeout 60 "$LATENCY" --port "$APORT" --target alertmanager --fill "$FILL" --batch 100 --conns 4 \
    >"$OUT/fill-alertmanager.txt" 2>&1 || echo "  fill failed: $(tail -2 "$OUT/fill-alertmanager.txt")"
  sleep 2
  AM_FULL=$(rss_kib "$APID")
  echo "  idle RSS $((AM_IDLE / 1024)) MiB; after $FILL alerts $((AM_FULL / 1024)) MiB"
  stop_am
fi
echo

# ---- 5. POST -> page latency
HALF_RATE=$((V1_EPS / 2))
echo "[5/5] POST /v2/enqueue -> ZeroMQ page latency (open loop, new alert per event)"
L10="" LHALF=""
lat_phase() {  # lat_phase LABEL RATE SECONDS CONNS
  local label="$1"
  if start_vigild "lat-$label"; then
    sleep 1
    quiet_check "latency-$label"
    local eng0
    eng0="$(engine_snapshot)"
    cpu_snapshot "$VPID" "$OUT/cpu-lat-$label.0"
    local t0 t1
    t0=$(date +%s.%N)
    ( load_gen "$OUT/latency-$label.cpu" timeout $(($3 + 30)) "$LATENCY" --port "$VPORT" \
        --key "$KEY" --console "$VCONSOLE" --rate "$2" --duration "$3" --warmup 1 --conns "$4" \
        >"$OUT/latency-$label.txt" 2>&1 ) &
    local lpid=$!
    PIDS+=("$lpid")
    wait "$lpid"; forget_pid "$lpid"
    t1=$(date +%s.%N)
    cpu_snapshot "$VPID" "$OUT/cpu-lat-$label.1"
    sed -n '/^latency:/,/^  sender/p' "$OUT/latency-$label.txt" | sed 's/^/  /'
    grep -q '^RESULT' "$OUT/latency-$label.txt" || { echo "  latency run failed:"; tail -3 "$OUT/latency-$label.txt"; }
    BENCH_LABEL="latency-$label" cpu_report "$VPID" "$OUT/cpu-lat-$label.0" "$OUT/cpu-lat-$label.1" \
      "$(python3 -c "print($t1-$t0)")" vigild "$(cat "$OUT/latency-$label.cpu" 2>/dev/null)" \
      $(($2 * ($3 + 1)))
    engine_report "$eng0" "$(engine_snapshot)" "$(python3 -c "print($t1-$t0)")"
    stop_vigild
  fi
}
lat_phase 10ps 10 "$SLOW_SECS" 4
L10="$(grep -h '^RESULT' "$OUT/latency-10ps.txt" 2>/dev/null)"
if ((HALF_RATE > 0)); then
  lat_phase half "$HALF_RATE" "$HALF_SECS" 48
  LHALF="$(grep -h '^RESULT' "$OUT/latency-half.txt" 2>/dev/null)"
else
  echo "  no single-event rate measured; half-max phase skipped"
fi
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo

# ================================================================ summary
python3 - <<EOF | tee "$OUT/summary.txt"
import math
def f(x):
    try: return float(x)
    except: return float("nan")
rows = []
def row(name, value, unit, target=None, ok=None, fmt="{:,.0f}"):
    v = "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else fmt.format(value) + unit
    res = "" if ok is None else ("PASS" if ok else "FAIL")
    rows.append((name, v, target or "", res))
def ratio(a, b): return a / b if b > 0 else float("nan")
v1, a1 = f("$V1_EPS"), f("$A1_EPS")
v100, a100 = f("$V100_EPS"), f("$A100_EPS")
r1, r100 = ratio(v1, a1), ratio(v100, a100)
p99_1 = f("$V1_P99")
l10_99, lh_99 = f("$(field page_p99_ms "$L10")"), f("$(field page_p99_ms "$LHALF")")
l10_50, lh_50 = f("$(field page_p50_ms "$L10")"), f("$(field page_p50_ms "$LHALF")")
lost10, losth = "$(field lost "$L10")", "$(field lost "$LHALF")"
idle, half, full, n = f("$RSS_IDLE"), f("$RSS_HALF"), f("$RSS_FULL"), $FILL
open_alerts = f("$OPEN_ALERTS")
per = (full - idle) * 1024 / n
marg = (full - half) * 1024 / (n - n // 2)
am_idle, am_full = f("$AM_IDLE"), f("$AM_FULL")
row("single-event ingest, vigild (POST /v2/enqueue)", v1, " ev/s")
row("single-event ingest, Alertmanager (/api/v2/alerts)", a1, " ev/s")
row("  ratio vigild/Alertmanager", r1, "x", ">= 1.5x", r1 >= 1.5, "{:.2f}")
row("  vigild request latency p50", f("$V1_P50"), " ms", None, None, "{:.2f}")
row("  vigild request latency p99", p99_1, " ms", "<= 15 ms", p99_1 <= 15, "{:.2f}")
row("  Alertmanager request latency p50 / p99", None, "")
rows[-1] = (rows[-1][0], "$A1_P50 / $A1_P99 ms", "", "")
row("100-alert batches, vigild (AM webhook)", v100, " ev/s")
row("100-alert batches, Alertmanager (/api/v2/alerts)", a100, " ev/s")
row("  ratio vigild/Alertmanager", r100, "x", ">= 1.5x", r100 >= 1.5, "{:.2f}")
rows.append(("  vigild request latency p50 / p99", "$V100_P50 / $V100_P99 ms", "", ""))
rows.append(("  Alertmanager request latency p50 / p99", "$A100_P50 / $A100_P99 ms", "", ""))
rows.append(("POST->page p50 at 10 ev/s", "{:.2f} ms".format(l10_50), "", ""))
row("POST->page p99 at 10 ev/s", l10_99, " ms", "<= 2.5 ms", l10_99 <= 2.5, "{:.2f}")
rows.append(("POST->page p50 at $HALF_RATE ev/s (half max)", "{:.2f} ms".format(lh_50), "", ""))
row("POST->page p99 at $HALF_RATE ev/s (half max)", lh_99, " ms", "<= 20 ms", lh_99 <= 20, "{:.2f}")
rows.append(("  pages lost (10/s; half max)", f"{lost10 or 'n/a'}; {losth or 'n/a'}", "", ""))
rows.append(("  half max: p99 counted from due time, sender slip p99", "$(field due_p99_ms "$LHALF") / $(field slip_p99_ms "$LHALF") ms", "", ""))
row("vigild RSS idle", idle / 1024, " MiB", "<= 16 MiB", idle / 1024 <= 16, "{:.1f}")
row(f"vigild RSS per open alert ({n:,} alerts)", per, " B", "<= 1024 B", per <= 1024, "{:.0f}")
rows.append((f"  marginal, {n - n//2:,} -> {n:,} alerts", "{:.0f} B".format(marg), "", ""))
rows.append(("  vigil_open_alerts after fill", "{:,.0f}".format(open_alerts), f"{n:,}", ""))
rows.append(("Alertmanager RSS idle / per alert", "{:.1f} MiB / {:.0f} B".format(am_idle / 1024, (am_full - am_idle) * 1024 / n), "", ""))
w0 = max(len(r[0]) for r in rows); w1 = max(len(r[1]) for r in rows); w2 = max(len(r[2]) for r in rows)
print("SUMMARY  (commit $COMMIT, $(date -u +%Y-%m-%d), wrk -t$WTHREADS -c$CONNS -d${SECS}s)")
print(f"{'figure':{w0}}  {'measured':>{w1}}  {'target':{w2}}  result")
for a, b, c, d in rows:
    print(f"{a:{w0}}  {b:>{w1}}  {c:{w2}}  {d}")
fails = sum(1 for r in rows if r[3] == "FAIL")
print(f"{sum(1 for r in rows if r[3])-fails} PASS, {fails} FAIL")
EOF
if [[ -s "$OUT/notes.txt" ]]; then
  echo "NOTE: $(wc -l <"$OUT/notes.txt") measurement window(s) shared the CPU with other processes:"
  sed 's/^/  /' "$OUT/notes.txt"
fi
echo "total time $(( $(now_s) - T_START )) s; raw logs: $OUT"
