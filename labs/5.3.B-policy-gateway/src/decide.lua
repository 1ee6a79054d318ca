-- Exercise 2: every limit that applies to one request, decided in one atomic call, all or nothing.
-- KEYS[i]  bucket i of ONE identity (all under its {hash tag}): struct.pack('dd', tokens, ms).
-- ARGV     per bucket: capacity, refill per second, shadow (1/0); then cost; then now in ms (optional:
--          without it the Redis server clock, one clock for every gateway instance).
-- The request is allowed when every enforced bucket holds `cost` tokens; only then are they charged.
-- A shadow bucket never refuses: it is charged when it can pay and reports a would-be denial when
-- it cannot. A refused request charges nothing (rejected requests do not consume).
-- Returns { allowed, now, then per bucket: remaining (floored, after charging), retry_ms (until it
--   could pay cost; -1 never), next_ms (until one more whole token), short (1 when it could not pay) }

local n = #KEYS
local cost = tonumber(ARGV[3 * n + 1])
local now = tonumber(ARGV[3 * n + 2])
if not now then
  local t = redis.call('TIME')
  now = t[1] * 1000 + math.floor(t[2] / 1000)
end

local tokens, caps, rates, shadow = {}, {}, {}, {}
local allowed = 1
for i = 1, n do
  local cap, rate = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]) / 1000
  caps[i], rates[i], shadow[i] = cap, rate, ARGV[3 * i] == '1'
  local t, ts = cap, now -- a bucket never seen (or expired) is full
  local state = redis.call('GET', KEYS[i])
  if state and #state == 16 then t, ts = struct.unpack('dd', state) end
  if now > ts then t = math.min(cap, t + (now - ts) * rate) end
  tokens[i] = t
  if t < cost and not shadow[i] then allowed = 0 end
end

local out = { allowed, now }
for i = 1, n do
  local t, cap, rate = tokens[i], caps[i], rates[i]
  local short = t < cost
  local retry = 0
  if short then
    if rate > 0 and cost <= cap then retry = math.ceil((cost - t) / rate) else retry = -1 end
  end
  if allowed == 1 and not short then
    t = t - cost
    -- a bucket full again is the same as a missing one: let it expire then
    local full_in = rate > 0 and math.ceil((cap - t) / rate) or 0
    if full_in > 0 then
      redis.call('SET', KEYS[i], struct.pack('dd', t, now), 'PX', full_in)
    else
      redis.call('SET', KEYS[i], struct.pack('dd', t, now))
    end
  end
  local remaining = math.floor(t + 1e-9)
  local nxt = -1
  if rate > 0 then nxt = math.ceil((remaining + 1 - t) / rate) end
  out[#out + 1] = remaining
  out[#out + 1] = retry
  out[#out + 1] = nxt
  out[#out + 1] = short and 1 or 0
end
return out
