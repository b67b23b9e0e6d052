-- wrk script: approve the pending requests seedload made, each once.
--   IDS=ids.txt TOKEN=<admin access token> THREADS=2 wrk -t2 -c8 -d5s -s approve.lua http://127.0.0.1:8000
-- Thread t of THREADS takes ids t+1, t+1+THREADS, …; once they run out it
-- asks GET /healthz instead. done prints the approvals (POSTs answered 200)
-- apart from everything else, so the figure never counts a /healthz.
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids = {}
  for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
  step = tonumber(os.getenv("THREADS") or "1")
  n = 0
  posts = 0
  out = 0
  approved = 0
  other = 0
  headers = {["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}
  body = '{"override_overtime": true}'
end

function request()
  local i = tid + n * step + 1
  n = n + 1
  if i > #ids then
    out = out + 1
    return wrk.format("GET", "/healthz")
  end
  posts = posts + 1
  return wrk.format("POST", "/api/shifts/" .. ids[i] .. "/approve/", headers, body)
end

-- An approval's body says so; /healthz's does not.
function response(status, headers, body)
  if status == 200 and body:find("Shift approved successfully.", 1, true) then
    approved = approved + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, o, r = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("approved")
    o = o + t:get("other")
    r = r + t:get("out")
  end
  io.write(string.format("approved: %d in %.2f s\n", a, summary.duration / 1e6))
  io.write(string.format("other responses: %d\n", o))
  if r > 0 then io.write(string.format("ran out of ids: %d requests went to /healthz\n", r)) end
end
