-- wrk script: approve the pending requests seedload made, each once.
--   IDS=ids.txt TOKEN=<admin access token> THREADS=2 wrk -t2 -c8 -d5s -s approve.lua http://127.0.0.1:8000
-- Thread t of THREADS takes ids t+1, t+1+THREADS, …; once they run out it
-- asks GET /healthz, which the figures leave out (count the 200s).
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  ids = {}
  for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
  step = tonumber(os.getenv("THREADS") or "1")
  n = 0
  headers = {["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}
  body = '{"override_overtime": true}'
end

function request()
  local i = tid + n * step + 1
  n = n + 1
  if i > #ids then return wrk.format("GET", "/healthz") end
  return wrk.format("POST", "/api/shifts/" .. ids[i] .. "/approve/", headers, body)
end

statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("requests: %d in %.2f s\n", summary.requests, summary.duration / 1e6))
end
