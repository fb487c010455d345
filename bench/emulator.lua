-- wrk script for bench/run-emulator.sh: crm.lead.get of a random lead among LEADS (env, default
-- 1,000,000) through the inbound webhook /rest/1/<SECRET>/ (env SECRET, default "bench-secret"),
-- as a client sends it: POST with a JSON body. Counts non-200 answers per thread.
local leads = tonumber(os.getenv("LEADS") or "1000000")
local secret = os.getenv("SECRET") or "bench-secret"
local path = "/rest/1/" .. secret .. "/crm.lead.get"
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    bad = 0
end

function request()
    return wrk.format(nil, path, nil, string.format('{"id":%d}', math.random(1, leads)))
end

function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
    local bad_total = 0
    for _, t in ipairs(threads) do bad_total = bad_total + (t:get("bad") or 0) end
    io.write(string.format("non-200 answers: %d\n", bad_total))
    for _, p in ipairs({50, 90, 99, 99.9}) do
        io.write(string.format("p%s %.2f ms\n", p, latency:percentile(p) / 1000))
    end
end
