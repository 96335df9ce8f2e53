-- Cache-miss load: every request asks for a different search, so the results
-- cache can (almost) never answer. Paths come from the file named by
-- BENCH_PATHS, one a line; thread k of n takes lines k, k+n, k+2n ... from
-- line BENCH_START (the warm-up starts elsewhere, so it warms nothing the
-- measured run asks for). The report line comes from wrk_report.lua.
dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

local threads = {}
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

init = function(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
  step = tonumber(os.getenv("BENCH_THREADS"))
  index = tonumber(os.getenv("BENCH_START")) + id - 1
end

request = function()
  local path = paths[(index % #paths) + 1]
  index = index + step
  return wrk.format("GET", path)
end
