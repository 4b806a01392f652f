-- wrk script: Alertmanager webhook (version 4) to vigild's POST /api/v1/integrations/alertmanager.
-- BENCH_BATCH alerts per request (default 100), each with a fingerprint never used before, so
-- every alert in every batch opens a NEW alert in vigild.
-- Env: VIGIL_KEY (sent as Authorization: Bearer), BENCH_BATCH, BENCH_RUN.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local batch, run, head, n = 100, "0", nil, 0

function init(args)
  local key = os.getenv("VIGIL_KEY") or error("VIGIL_KEY is not set")
  batch = tonumber(os.getenv("BENCH_BATCH") or "100")
  run = tonumber(os.getenv("BENCH_RUN") or "0") % 65536
  head = '{"version":"4","groupKey":"{}:{alertname=\\"BenchAlert\\"}","status":"firing",' ..
         '"receiver":"r","groupLabels":{},"commonLabels":{},"commonAnnotations":{},' ..
         '"externalURL":"http://x","alerts":['
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  local parts = {}
  for i = 1, batch do
    n = n + 1
    -- 16 hex digits: run tag, wrk thread, per-thread counter: unique within and across runs.
    local fp = string.format("%04x%02x%010x", run, tid, n)
    parts[i] = '{"status":"firing","labels":{"alertname":"BenchAlert","instance":"h' .. fp ..
               '","severity":"critical"},"annotations":{"summary":"Disk almost full on h' .. fp ..
               '"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z",' ..
               '"generatorURL":"","fingerprint":"' .. fp .. '"}'
  end
  return wrk.format(nil, "/api/v1/integrations/alertmanager", nil,
                    head .. table.concat(parts, ",") .. "]}")
end
