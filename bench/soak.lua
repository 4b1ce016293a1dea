-- wrk script of bench/soak.py: bench/mixed.lua's rotation over many signed-in sessions and pages,
-- paced.
--
--   wrk -t2 -c8 -d60s --latency -s bench/soak.lua http://127.0.0.1:PORT -- ENTRIES_FILE THREADS DELAY_MS
--
-- Each connection waits DELAY_MS before each request (wrk's delay()), which holds the load at a
-- chosen share of the server's capacity instead of as many requests as it can take. Everything else
-- (the entries, the counts, the line done() prints) is bench/mixed.lua's, loaded from beside this file.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "mixed.lua")

function delay()
  return pause
end
