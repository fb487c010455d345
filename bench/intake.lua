-- wrk script: POSTs a valid Bitrix24 outbound event (ONCRMLEADUPDATE, form-urlencoded) whose
-- lead id and ts vary per request and per thread, so every body is a distinct inbox row.
--   wrk -s bench/intake.lua http://127.0.0.1:PORT/hooks/bitrix
-- The token is the example config's application_token (env INTAKE_TOKEN overrides it).
local token = os.getenv("INTAKE_TOKEN") or "demo-application-token"
local counter = 0
local thread_no = 0
local threads = {}

function setup(thread)
    thread:set("thread_no", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
    counter = counter + 1
    local id = thread_no * 10000000 + counter
    local body = "event=ONCRMLEADUPDATE&event_handler_id=3" ..
        "&data%5BFIELDS%5D%5BID%5D=" .. id ..
        "&ts=" .. (1764057600 + counter) ..
        "&auth%5Bdomain%5D=example.bitrix24.ru" ..
        "&auth%5Bclient_endpoint%5D=https%3A%2F%2Fexample.bitrix24.ru%2Frest%2F" ..
        "&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553" ..
        "&auth%5Bapplication_token%5D=" .. token
    return wrk.format(nil, nil, nil, body)
end

-- One machine-readable line per run, for run-intake.sh.
function done(summary, latency, requests)
    local non2xx = summary.errors.status
    io.write(string.format(
        "RESULT requests=%d non2xx=%d connect_err=%d read_err=%d write_err=%d timeout=%d " ..
        "seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
        summary.requests, non2xx, summary.errors.connect, summary.errors.read,
        summary.errors.write, summary.errors.timeout, summary.duration / 1e6,
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
