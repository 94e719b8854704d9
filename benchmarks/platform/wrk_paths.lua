-- wrk script: each request is one of the (cookie, path) pairs in the file named by PAIRS,
-- chosen in turn, so 50 connections act as many different people in their own organisations.
-- At the end it prints the latency percentiles as one JSON line for bench_platform.py.
local pairs_file = os.getenv("PAIRS")
local pairs = {}
for line in io.lines(pairs_file) do
  local cookie, path = line:match("^(.-)\t(.*)$")
  if cookie then table.insert(pairs, {cookie, path}) end
end
local counter = 0

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local i = 0
function request()
  i = i + 1
  local pair = pairs[((offset or 0) + i) % #pairs + 1]
  return wrk.format("GET", pair[2], {["Cookie"] = pair[1]})
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    errors, summary.errors.status))
end
