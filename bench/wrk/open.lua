-- Open-model load: GET the URL wrk was given at a fixed rate, whatever the answers' speed, and
-- time each request from when it was due, so that a slow answer is not hidden by the requests
-- it held up (coordinated omission). Run by bench/driver.py as `wrk -tN -cN -s open.lua` (one
-- connection per thread: wrk calls the script per thread, not per connection) with
-- BENCH_OPEN_RATE (requests/s, all connections together), BENCH_WRK_THREADS (N) and BENCH_TOKEN.
--
-- Each connection sends on its own fixed schedule, one request every N/rate seconds, the N
-- schedules staggered by 1/rate: delay() waits until the next request is due (0 if it is already
-- late). A request's latency is its own service time (sent to answered) plus the time it was due
-- while the connection was still waiting for the previous answer: what a client arriving on
-- schedule would have waited. The load generator's own lateness (its 1 ms timer, a thread that
-- did not run) is not counted. Prints an `OPEN ...` line (microseconds) after summary.lua's
-- `BENCH ...` line, whose latencies are wrk's own, from each request's actual send.
dofile(os.getenv("BENCH_WRK_DIR") .. "/summary.lua")

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local rate = tonumber(os.getenv("BENCH_OPEN_RATE"))
local connections = tonumber(os.getenv("BENCH_WRK_THREADS"))
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

function init(args)
   interval = 1e6 * connections / rate -- between two requests of this connection, us
   slot = -1
   epoch = nil
   due = 0 -- when the request being sent was due
   sent = 0 -- when it was sent
   answered = 0 -- when the previous answer arrived
   latencies = {}
   late = 0 -- requests due while their connection still waited for an answer
   payload = wrk.format()
end

function delay()
   local now = now_us()
   if epoch == nil then
      epoch = now + id * 1e6 / rate
   end
   slot = slot + 1
   due = epoch + slot * interval
   if due <= now then
      return 0
   end
   return math.ceil((due - now) / 1000) -- wrk's timers count whole milliseconds: never early
end

function request()
   sent = now_us()
   return payload
end

function response(status, headers, body)
   local now = now_us()
   local held = answered - due
   if held > 0 then
      late = late + 1
   else
      held = 0
   end
   latencies[#latencies + 1] = now - sent + held
   answered = now
end

local summary_done = done

function done(summary, latency, requests)
   summary_done(summary, latency, requests)
   local all, late_total = {}, 0
   for _, thread in ipairs(bench_threads) do
      for _, value in ipairs(thread:get("latencies")) do
         all[#all + 1] = value
      end
      late_total = late_total + thread:get("late")
   end
   table.sort(all)
   local function percentile(p)
      if #all == 0 then
         return 0
      end
      return all[math.max(1, math.ceil(#all * p / 100))]
   end
   io.write(string.format(
      "OPEN requests=%d late=%d rate=%.1f target=%.1f p50=%d p90=%d p99=%d p999=%d max=%d\n",
      #all, late_total, #all / (summary.duration / 1e6), rate,
      percentile(50), percentile(90), percentile(99), percentile(99.9), percentile(100)))
end
