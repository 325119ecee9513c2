-- Shared by the benchmark scripts (loaded with dofile): one machine-readable line per run, which
-- bench/driver.py parses. Latencies are in microseconds; `bad` counts answers other than 2xx/3xx
-- and socket errors, and the driver refuses a run that has any. `bench_threads` lists the threads,
-- for a script whose done() reads their own counts (open.lua).
local threads = {}
bench_threads = threads

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bad=%d status_errors=%d timeouts=%d "
         .. "p50=%d p90=%d p95=%d p99=%d max=%d mean=%.0f\n",
      summary.requests, summary.duration,
      e.connect + e.read + e.write + e.status + e.timeout, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean))
end
