-- wrk script: each thread POSTs pre-signed Loop bodies from its own file, one distinct return per request.
-- Files: <dir>/bodies-<n>.tsv with "<X-Loop-Signature>\t<body>" lines (written by bench.data).
-- Usage: wrk -s bench/wrk_post.lua ... <url> -- <dir> <path>
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  dir = args[1]
  path = args[2]
  file = io.open(dir .. "/bodies-" .. id .. ".tsv", "r")
  wrapped = 0
end

function request()
  local line = file:read("*l")
  if line == nil then
    wrapped = wrapped + 1
    file:seek("set", 0)
    line = file:read("*l")
  end
  local tab = string.find(line, "\t", 1, true)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-Loop-Signature"] = string.sub(line, 1, tab - 1)
  return wrk.format("POST", path, headers, string.sub(line, tab + 1))
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("wrapped") or 0)
  end
  io.write(string.format("BENCH_WRAPPED %d\n", total))
end
