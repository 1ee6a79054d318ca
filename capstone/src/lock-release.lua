-- Releases a stampede lock only if it still holds our token: after a load slower than the lease the
-- lock may belong to another process, whose lock we must not delete.
-- KEYS[1] the lock  ARGV[1] our token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
