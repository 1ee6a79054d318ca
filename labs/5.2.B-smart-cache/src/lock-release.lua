-- Releases the stampede lock only if it is still ours: after a long loader the lock may have expired
-- and been taken by another process, whose lock we must not delete.
-- KEYS[1] = lock key; ARGV[1] = our token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
