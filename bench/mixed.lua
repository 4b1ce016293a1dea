-- wrk script of bench/mixed_wrk.py: many signed-in sessions, each on its own organisation's pages
-- (bench/soak.lua is this script, paced).
--
--   wrk -t2 -c8 -d5s --latency -s bench/mixed.lua http://127.0.0.1:PORT -- ENTRIES_FILE THREADS [DELAY_MS]
--
-- ENTRIES_FILE has one request a line, "<Cookie header value>\t<path>", shuffled by mixed_wrk.py
-- (sessions and pages mixed). Each thread (its own Lua state) reads the file in init() and starts
-- at its own place in it (thread i of THREADS at (i - 1) / THREADS of the way), then request()
-- takes the next line for every request, so consecutive requests, and so the thread's connections,
-- go to different sessions and pages. A response other than 200 (a 302 to the sign-in page when a
-- session is not valid, a 403, a 500) is counted, and those >= 500 apart; done() prints both counts
-- on a line of its own. DELAY_MS is read here for bench/soak.lua, which defines wrk's delay().

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("thread_number", started)
  table.insert(threads, thread)
end

function init(args)
  requests_of_thread = {}
  for line in io.lines(args[1]) do
    local cookie, path = line:match("^([^\t]+)\t(.+)$")
    if cookie then
      requests_of_thread[#requests_of_thread + 1] = wrk.format("GET", path, { ["Cookie"] = cookie })
    end
  end
  local thread_count = tonumber(args[2]) or 1
  pause = tonumber(args[3]) or 0
  position = math.floor((thread_number - 1) * #requests_of_thread / thread_count)
  not_ok = 0
  server_errors = 0
  answered = 0
end

function request()
  position = position % #requests_of_thread + 1
  return requests_of_thread[position]
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    not_ok = not_ok + 1
  end
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local bad, errors, total = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("not_ok") or 0)
    errors = errors + (thread:get("server_errors") or 0)
    total = total + (thread:get("answered") or 0)
  end
  io.write(string.format("MIXED not200=%d errors5xx=%d answered=%d\n", bad, errors, total))
end
