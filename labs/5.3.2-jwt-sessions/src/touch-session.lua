-- Validate a session for one request, and slide its expiry: the session lives `idle` ms after its
-- last use, but never past its absolute expiry. One round trip, atomic, checked on EVERY request, so
-- a revocation written by any app instance is seen by all of them at their next request.
-- Every key is one user's ({user} hash tag): one slot on a cluster. The global stats are not touched
-- here; the caller counts what the reply says in a separate call.
-- KEYS: session hash, user's session index (zset sid -> expiry ms), revoked-jti marker, session tombstone
-- ARGV: now_ms, idle_ms, sid
-- Returns { 'ok', ttl_ms, user_id } or { reason, unindexed (1 if this call removed it from the index) }
local now, idle, sid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

if redis.call('EXISTS', KEYS[3]) == 1 then return { 'token_revoked', 0 } end

local s = redis.call('HMGET', KEYS[1], 'userId', 'expiresAt')
if not s[1] then
  -- Gone: revoked (a tombstone says so) or expired (Redis removed it at its TTL).
  if redis.call('EXISTS', KEYS[4]) == 1 then return { 'session_revoked', 0 } end
  return { 'session_expired', 0 }
end

local abs = tonumber(s[2])
if now >= abs then
  redis.call('DEL', KEYS[1])
  return { 'session_expired', redis.call('ZREM', KEYS[2], sid) }
end

local ttl = math.min(idle, abs - now)
redis.call('HSET', KEYS[1], 'lastSeenAt', now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, sid)
return { 'ok', ttl, s[1] }
