-- End several sessions of one user at once (logout, logout-all): delete each, drop it from the
-- user's index, and leave a tombstone so a request still carrying its tokens gets "session_revoked"
-- rather than "session_expired". Every key is one user's ({user} tag): one slot on a cluster; the
-- caller counts the reply in the global stats in a separate call.
-- KEYS: user's session index, then (session hash, tombstone) per session
-- ARGV: tombstone ttl ms, reason, then one sid per session
-- Returns { sessions that still existed, entries removed from the index }
local ended, unindexed = 0, 0
for i = 1, #ARGV - 2 do
  local sid = ARGV[i + 2]
  local session, tombstone = KEYS[i * 2], KEYS[1 + i * 2]
  ended = ended + redis.call('DEL', session)
  redis.call('SET', tombstone, ARGV[2], 'PX', ARGV[1])
  unindexed = unindexed + redis.call('ZREM', KEYS[1], sid)
end
return { ended, unindexed }
