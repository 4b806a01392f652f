-- wrk script: Prometheus Alertmanager's own POST /api/v2/alerts, the peer vigild is compared to.
-- BENCH_BATCH alerts per request (default 1), each with a label set never used before
-- (instance="h<unique hex>"), so every alert is a NEW alert for Alertmanager too.
-- Same labels/annotations as am_webhook.lua; startsAt now, endsAt +1 day (still firing).
-- Env: BENCH_BATCH, BENCH_RUN.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local batch, run, starts, ends, n = 1, 0, nil, nil, 0

function init(args)
  batch = tonumber(os.getenv("BENCH_BATCH") or "1")
  run = tonumber(os.getenv("BENCH_RUN") or "0") % 65536
  starts = os.date("!%Y-%m-%dT%H:%M:%SZ")
  ends = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 86400)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local parts = {}
  for i = 1, batch do
    n = n + 1
    local fp = string.format("%04x%02x%010x", run, tid, n)
    parts[i] = '{"labels":{"alertname":"BenchAlert","instance":"h' .. fp ..
               '","severity":"critical"},"annotations":{"summary":"Disk almost full on h' .. fp ..
               '"},"startsAt":"' .. starts .. '","endsAt":"' .. ends .. '","generatorURL":""}'
  end
  return wrk.format(nil, "/api/v2/alerts", nil, "[" .. table.concat(parts, ",") .. "]")
end
