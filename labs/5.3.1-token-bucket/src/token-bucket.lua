-- Token bucket over several buckets at once: a request is allowed only if EVERY bucket has `cost`
-- tokens, and then every bucket is charged (all or nothing). One script = one round trip, and Redis
-- runs it atomically, so concurrent callers on any number of app instances cannot overspend.
--
-- KEYS[i]   one string per bucket: "<tokens> <ms of last update>". A string rather than a hash so a
--           single SET ... PX writes the state and its expiry together (GET + SET instead of
--           HMGET + HSET + PEXPIRE: fewer commands per decision).
-- ARGV[1]   now in milliseconds, or "" to read the Redis server clock (TIME)
-- ARGV[2..] per bucket, three values: capacity, refill rate in tokens per ms, cost
--
-- Returns { allowed (1/0), now, then per bucket: remaining (floored), reset_ms, retry_ms, next_ms }
--   reset_ms  ms until the bucket is full again (-1: never, no refill)
--   retry_ms  ms until this bucket could pay `cost` (0: it can now; -1: never)
--   next_ms   ms until one more whole token than `remaining` can be had (-1: never). A full bucket
--             has to be spent first, so for it this is one token's refill time.

local tonumber, floor, ceil, find, sub = tonumber, math.floor, math.ceil, string.find, string.sub
local now = tonumber(ARGV[1])
if not now then
  -- Redis 7 replicates a script's effects, not the script, so reading TIME here is allowed and every
  -- app instance shares one clock: the server's.
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end

local n = #KEYS
local tokens, stamps = {}, {}
local allowed = 1

-- Pass 1: refill every bucket from the time elapsed since its last update, and see if it can pay.
for i = 1, n do
  local base = 2 + (i - 1) * 3
  local cap, rate, cost = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local t, ts
  local state = redis.call('GET', KEYS[i])
  if state then
    local space = find(state, ' ', 1, true)
    if space then t, ts = tonumber(sub(state, 1, space - 1)), tonumber(sub(state, space + 1)) end
  end
  if t == nil or ts == nil then
    -- A missing bucket is a full one: an idle client may spend the whole capacity at once (burst).
    t, ts = cap, now
  end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end -- a caller whose clock lags must not mint tokens later
  t = t + elapsed * rate
  if t > cap then t = cap end
  tokens[i] = t
  if now > ts then stamps[i] = now else stamps[i] = ts end
  if t < cost then allowed = 0 end
end

-- Pass 2: charge every bucket (only when all could pay) and report each one's state.
local out = { allowed, now }
for i = 1, n do
  local base = 2 + (i - 1) * 3
  local cap, rate, cost = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local t = tokens[i]
  local retry = 0
  if t < cost then
    if rate > 0 and cost <= cap then retry = ceil((cost - t) / rate) else retry = -1 end
  end
  if allowed == 1 then
    t = t - cost
    local value = t .. ' ' .. stamps[i]
    if rate > 0 then
      -- Once full again the bucket is indistinguishable from a missing one: let it expire then.
      redis.call('SET', KEYS[i], value, 'PX', math.max(1, ceil((cap - t) / rate)))
    else
      redis.call('SET', KEYS[i], value)
    end
  end
  local reset, nxt = -1, -1
  if rate > 0 then
    reset = ceil((cap - t) / rate)
    nxt = ceil((floor(t) + 1 - t) / rate)
  end
  out[#out + 1] = floor(t)
  out[#out + 1] = reset
  out[#out + 1] = retry
  out[#out + 1] = nxt
end
return out
