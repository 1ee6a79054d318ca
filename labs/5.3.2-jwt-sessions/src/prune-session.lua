-- Drop a session from its user's index once the session key is gone (expired). Called for each
-- "expired" keyspace event, and by the periodic sweep. Whoever actually removes the entry counts the
-- expiration, so several app instances hearing the same event count it once.
-- KEYS: session hash, user's session index, stats hash   ARGV: sid
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[3], 'expirations', 1)
redis.call('HINCRBY', KEYS[3], 'active', -1)
return 1
