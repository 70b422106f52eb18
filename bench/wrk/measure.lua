-- One wrk script for every benchmarked endpoint; the bench configures it through the environment.
--
--   BENCH_METHOD   GET or POST (default GET)
--   BENCH_BODY     request body; "{n}" in it is replaced by a per-request counter
--   BENCH_UNIQUE   "1": append "&nonce=<thread><counter>" to the path, so no two requests ask for
--                  the same token and nothing could answer from a cache
--   BENCH_TOKENS   a file of bearer tokens, one a line: each thread cycles through its own
--                  share (every BENCH_THREADS-th line), so a cache of verified tokens misses
--   BENCH_EXPECT   what a good answer looks like:
--                    "status:<code>"    only that status
--                    "location-token"   a 302 whose Location carries "#token=" (the authorize flow)
--                    "body-jwt"         a 200 whose body is a compact JWT (POST /_services/auth/token)
--                    "json-token"       a 200 whose JSON body has "access_token" (the peer's /token)
-- Headers (cookie, bearer token) come from wrk's own -H flags.
--
-- wrk itself counts only connection errors and statuses >= 400; a 200 with no token would pass,
-- so every answer is checked here and the counts are printed as one JSON line at the end.

-- good and bad are globals on purpose: thread:get in done() reads a thread's globals.
local threads = {}
local counter = 0
good = 0
bad = 0
local tid = 0

local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY")
local unique = os.getenv("BENCH_UNIQUE") == "1"
local expect = os.getenv("BENCH_EXPECT") or "status:200"
local expect_status = tonumber(string.match(expect, "^status:(%d+)$"))
local tokens_file = os.getenv("BENCH_TOKENS")
local tokens = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tid = wrk.thread:get("tid") or 0
  if tokens_file then
    local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1")
    local number = 0
    for line in io.lines(tokens_file) do
      if line ~= "" then
        if number % threads_total == tid - 1 then
          table.insert(tokens, line)
        end
        number = number + 1
      end
    end
  end
end

function request()
  counter = counter + 1
  local path = wrk.path
  if unique then
    path = path .. "&nonce=t" .. tid .. "n" .. counter
  end
  local body = nil
  if body_template then
    body = string.gsub(body_template, "{n}", tostring(tid * 100000000 + counter))
  end
  local headers = nil
  if #tokens > 0 then
    local index = counter % #tokens + 1
    headers = { Authorization = "Bearer " .. tokens[index] }
  end
  return wrk.format(method, path, headers, body)
end

local function is_jwt(text)
  return text ~= nil and string.match(text, "^[%w_-]+%.[%w_-]+%.[%w_-]+$") ~= nil
end

function response(status, headers, body)
  local ok = false
  if expect_status then
    ok = status == expect_status
  elseif expect == "location-token" then
    local location = headers["Location"] or headers["location"] or ""
    ok = status == 302 and string.find(location, "#token=", 1, true) ~= nil
  elseif expect == "body-jwt" then
    ok = status == 200 and is_jwt(body)
  elseif expect == "json-token" then
    ok = status == 200 and string.find(body or "", '"access_token":"', 1, true) ~= nil
  end
  if ok then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local good_total, bad_total = 0, 0
  for _, thread in ipairs(threads) do
    good_total = good_total + (thread:get("good") or 0)
    bad_total = bad_total + (thread:get("bad") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"good":%d,"bad":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"status_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, good_total, bad_total,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
