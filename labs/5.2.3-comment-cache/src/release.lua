-- Releases a lock only if it still holds our token: after a pause longer than the lock's PX, another
-- loader may own it now, and a plain DEL would free *their* lock.
-- KEYS[1] lock key; ARGV[1] token. Returns 1 when released, 0 when the lock was not ours (or gone).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
