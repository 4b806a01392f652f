-- wrk script: one PagerDuty Events v2 trigger per request to POST /v2/enqueue.
-- Every request carries a dedup_key never used before ("wrk-<run>-<thread>-<n>"), so each one
-- opens a NEW alert (the expensive path: alert row, event row, outbox row, page, publication).
-- Env: VIGIL_KEY (integration routing key), BENCH_RUN (unique run tag).
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local prefix, middle, suffix
local n = 0

function init(args)
  local key = os.getenv("VIGIL_KEY") or error("VIGIL_KEY is not set")
  local run = os.getenv("BENCH_RUN") or tostring(os.time())
  prefix = '{"routing_key":"' .. key .. '","event_action":"trigger","dedup_key":"wrk-' .. run ..
           '-' .. tostring(tid) .. '-'
  middle = '","payload":{"summary":"Disk almost full on host '
  suffix = '","source":"bench-host","severity":"critical"}}'
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local id = tostring(n)
  return wrk.format(nil, "/v2/enqueue", nil, prefix .. id .. middle .. id .. suffix)
end
