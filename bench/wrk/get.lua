-- GET the URL wrk was given, with the token from BENCH_TOKEN.
dofile(os.getenv("BENCH_WRK_DIR") .. "/summary.lua")

wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
