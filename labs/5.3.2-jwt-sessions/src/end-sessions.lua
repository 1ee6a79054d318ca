-- End several sessions of one user at once (logout, logout-all): delete each, drop it from the
-- user's index, and leave a tombstone so a request still carrying its tokens gets "session_revoked"
-- rather than "session_expired".
-- KEYS: user's session index, stats hash, then (session hash, tombstone) per session
-- ARGV: tombstone ttl ms, reason, then one sid per session
-- Returns how many sessions were still active.
local ended = 0
for i = 1, #ARGV - 2 do
  local sid = ARGV[i + 2]
  local session, tombstone = KEYS[1 + i * 2], KEYS[2 + i * 2]
  local existed = redis.call('DEL', session)
  redis.call('SET', tombstone, ARGV[2], 'PX', ARGV[1])
  if redis.call('ZREM', KEYS[1], sid) == 1 then
    redis.call('HINCRBY', KEYS[2], 'active', -1)
  end
  ended = ended + existed
end
if ended > 0 then redis.call('HINCRBY', KEYS[2], 'revocations', ended) end
return ended
