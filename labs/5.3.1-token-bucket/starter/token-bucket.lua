-- Starter: exercise 1, with bucket.ts.
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
--           optionally, now in milliseconds. Without it the script reads the Redis server clock (TIME),
--           as production does: an argument less to send on every call.
--
-- Returns { allowed (1/0), now, then per bucket: remaining (floored), reset_ms, retry_ms, next_ms }
--   reset_ms  ms until the bucket is full again (-1: never, no refill)
--   retry_ms  ms until this bucket could pay `cost` (0: it can now; -1: never)
--   next_ms   ms until one more whole token than `remaining` can be had (-1: never). A full bucket
--             has to be spent first, so for it this is one token's refill time.

local tonumber, floor, ceil, pack, unpack = tonumber, math.floor, math.ceil, struct.pack, struct.unpack
local n = #KEYS
local now = tonumber(ARGV[3 * n + 1])
if not now then
  local t = redis.call('TIME')
  now = t[1] * 1000 + floor(t[2] / 1000)
end

-- To write, for bucket i (ARGV[3i-2] capacity, ARGV[3i-1] refill per second, ARGV[3i] cost):
-- pass 1: read its state (GET; missing = full), refill it for the time since its stamp (never past
--   capacity, never backwards in time) and see whether it can pay `cost`;
-- pass 2: only if EVERY bucket can pay, charge them all; report remaining/reset/retry/next per bucket
--   and SET each charged bucket with pack('dd', tokens, ms) and PX until it would be full again.
return redis.error_reply('not implemented: exercise 1 — token-bucket.lua (refill, check and charge every bucket atomically)')
