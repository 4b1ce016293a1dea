-- wrk script of bench/soak.py: bench/mixed.lua's rotation over many signed-in sessions and pages,
-- paced, and with the server's errors counted apart.
--
--   wrk -t2 -c8 -d60s --latency -s bench/soak.lua http://127.0.0.1:PORT -- ENTRIES_FILE THREADS DELAY_MS
--
-- ENTRIES_FILE has one request a line, "<Cookie header value>\t<path>". Each connection waits
-- DELAY_MS before each request (wrk's delay()), which holds the load at a chosen share of the
-- server's capacity instead of as many requests as it can take. done() prints, on a line of its
-- own, the answers other than 200 and among them those >= 500.

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

function delay()
  return pause
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
  io.write(string.format("SOAK not200=%d errors5xx=%d answered=%d\n", bad, errors, total))
end
