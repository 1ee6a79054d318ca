-- Refresh-token rotation with reuse detection. The session remembers the jti of the ONE refresh token
-- that is currently valid. Presenting it swaps in the new jti. Presenting any other refresh token of
-- this session means an old one was replayed (stolen, or a client bug): the whole session (the token
-- family) is revoked, so the thief's and the owner's tokens all stop working.
-- Every key is one user's ({user} hash tag): one slot on a cluster. The caller counts the outcome in
-- the global stats in a separate call.
-- KEYS: session hash, user's session index, session tombstone
-- ARGV: now_ms, idle_ms, sid, presented refresh jti, new refresh jti, tombstone ttl ms
-- Returns { 'ok', ttl_ms, expires_at_ms } or { reason, unindexed (1 if this call removed it from the index) }
local now, idle, sid = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]

local s = redis.call('HMGET', KEYS[1], 'refreshJti', 'expiresAt')
if not s[1] then
  if redis.call('EXISTS', KEYS[3]) == 1 then return { 'session_revoked', 0 } end
  return { 'session_expired', 0 }
end

local removed = function()
  redis.call('DEL', KEYS[1])
  return redis.call('ZREM', KEYS[2], sid)
end

if s[1] ~= ARGV[4] then
  local unindexed = removed()
  redis.call('SET', KEYS[3], 'refresh_reused', 'PX', ARGV[6])
  return { 'refresh_reused', unindexed }
end

local abs = tonumber(s[2])
if now >= abs then
  return { 'session_expired', removed() }
end

local ttl = math.min(idle, abs - now)
redis.call('HSET', KEYS[1], 'refreshJti', ARGV[5], 'lastSeenAt', now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, sid)
return { 'ok', ttl, s[2] }
