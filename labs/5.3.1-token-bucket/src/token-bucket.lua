-- Token bucket over several buckets at once: a request is allowed only if EVERY bucket has `cost`
-- tokens, and then every bucket is charged (all or nothing). One script = one round trip, and Redis
-- runs it atomically, so concurrent callers on any number of app instances cannot overspend.
--
-- KEYS[i]   one string per bucket: its tokens and the ms of its last update as two packed doubles,
--           struct.pack('dd', tokens, ms), 16 bytes. Binary, not "<tokens> <ms>" text: formatting a
--           float in Lua (sprintf) and parsing it back cost more than anything else the script does
--           besides its Redis calls; packing is cheap and exact. A string rather than a hash so a
--           single SET ... PX writes the state and its expiry together (GET + SET instead of
--           HMGET + HSET + PEXPIRE: fewer commands per decision).
-- ARGV      per bucket, three values: capacity, refill rate in tokens per second, cost; then,
--           optionally, now in milliseconds. Without it (absent or '') the script reads the Redis server
--           clock (TIME), as production does: an argument less to send on every call. Then, optionally,
--           a deadline (ms, the script's clock) after which the caller has given up on this call.
--
-- Returns { allowed (1/0), now, then per bucket: remaining (floored), reset_ms, retry_ms, next_ms }
--   reset_ms  ms until the bucket is full again (-1: never, no refill)
--   retry_ms  ms until this bucket could pay `cost` (0: it can now; -1: never)
--   next_ms   ms until one more whole token than `remaining` can be had (-1: never). A full bucket
--             has to be spent first, so for it this is one token's refill time.

local tonumber, floor, ceil, pack, unpack = tonumber, math.floor, math.ceil, struct.pack, struct.unpack
local n = #KEYS
local NO_REFILL_IDLE_MS = 86400000
local now = tonumber(ARGV[3 * n + 1])
local deadline = tonumber(ARGV[3 * n + 2])
if not now then
  -- Redis 7 replicates a script's effects, not the script, so reading TIME here is allowed and every
  -- app instance shares one clock: the server's.
  local t = redis.call('TIME')
  now = t[1] * 1000 + floor(t[2] / 1000)
end

-- The reply is built in place, sized for the usual single bucket: bucket i owns out[4i-1 .. 4i+2].
-- Pass 1 parks its refilled tokens and stamp there; pass 2 overwrites them with what the caller reads.
local out = { 1, now, 0, 0, 0, 0 }
local spec = { 0, 0, 0 } -- ARGV parsed once: bucket i's capacity, rate per ms and cost at spec[3i-2 .. 3i]

-- Pass 1: refill every bucket from the time elapsed since its last update, and see if it can pay.
for i = 1, n do
  local a, o = 3 * i - 2, 4 * i - 1
  local cap, rate, cost = tonumber(ARGV[a]), ARGV[a + 1] / 1000, tonumber(ARGV[a + 2])
  spec[a], spec[a + 1], spec[a + 2] = cap, rate, cost
  local t, ts
  local state = redis.call('GET', KEYS[i])
  if state and #state == 16 then
    t, ts = unpack('dd', state)
  else
    -- A missing bucket is a full one: an idle client may spend the whole capacity at once (burst).
    t, ts = cap, now
  end
  -- A caller whose clock lags must not mint tokens later: time only moves forward.
  if now > ts then
    t = t + (now - ts) * rate
    ts = now
  end
  if t > cap then t = cap end
  -- Float refill can land a hair off a whole token (many 0.01 steps sum to 0.9999...): snap to it,
  -- or the bucket would refuse a token it has. Packed doubles keep every bit, so drift would stay.
  local whole = floor(t + 0.5)
  if t ~= whole and t - whole < 1e-9 and whole - t < 1e-9 then t = whole end
  out[o], out[o + 1] = t, ts
  if t < cost then out[1] = 0 end
end

-- Pass 2: charge every bucket (only when all could pay) and report each one's state. A call that
-- reaches Redis after its caller gave up (it sat in a frozen server's socket) charges nothing: the
-- request was already answered without it, and a freeze must not drain the buckets when it thaws.
local allowed = out[1] == 1
local charge = allowed and not (deadline and now > deadline)
for i = 1, n do
  local a, o = 3 * i - 2, 4 * i - 1
  local cap, rate, cost = spec[a], spec[a + 1], spec[a + 2]
  local t, ts = out[o], out[o + 1]
  local retry = 0
  if t < cost then
    if rate > 0 and cost <= cap then retry = ceil((cost - t) / rate) else retry = -1 end
  end
  if charge then t = t - cost end
  local remaining, reset, nxt = floor(t), -1, -1
  if rate > 0 then
    reset = ceil((cap - t) / rate)
    nxt = ceil((remaining + 1 - t) / rate)
  end
  if charge then
    if rate > 0 then
      -- Once full again the bucket is indistinguishable from a missing one: let it expire then.
      redis.call('SET', KEYS[i], pack('dd', t, ts), 'PX', reset > 0 and reset or 1)
    else
      -- Never refills: a quota that lasts while its owner keeps spending it, forgotten (full again)
      -- after a day idle, so one key per client ever seen cannot pile up without end.
      redis.call('SET', KEYS[i], pack('dd', t, ts), 'PX', NO_REFILL_IDLE_MS)
    end
  end
  out[o], out[o + 1], out[o + 2], out[o + 3] = remaining, reset, retry, nxt
end
return out
