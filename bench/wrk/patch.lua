-- PATCH /api/v1/claims/{id}/ with `If-Match: *`, setting a claimant that no claim has yet, so every
-- request is a real change: a version bump and a history event. Each request goes to the next
-- claim of BENCH_PATCH_COUNT claims from BENCH_PATCH_FIRST, wrk's threads taking alternate ones,
-- so no two connections wait on the same row lock. BENCH_PATCH_TAG tells runs apart.
dofile(os.getenv("BENCH_WRK_DIR") .. "/summary.lua")

local token = os.getenv("BENCH_TOKEN")
local first = tonumber(os.getenv("BENCH_PATCH_FIRST"))
local count = tonumber(os.getenv("BENCH_PATCH_COUNT"))
local tag = os.getenv("BENCH_PATCH_TAG") or "run"
local stride = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")

function init(args)
   sent = 0
end

function request()
   sent = sent + 1
   local claim = first + (sent * stride + id) % count
   local body = string.format('{"claimant": "Bench %s %d-%d", "note": "benchmark"}', tag, id, sent)
   local headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["If-Match"] = "*",
   }
   return wrk.format("PATCH", "/api/v1/claims/" .. claim .. "/", headers, body)
end
