-- Drop a session from its user's index once the session key is gone (expired). Called for each
-- "expired" keyspace event, and by the periodic sweep. Only the caller that actually removes the entry
-- gets 1 and counts the expiration (in the global stats, a separate call), so several app instances
-- hearing the same event count it once. Both keys carry the {user} tag: one slot on a cluster.
-- KEYS: session hash, user's session index   ARGV: sid
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])
