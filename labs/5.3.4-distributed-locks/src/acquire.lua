-- Takes the lock if it is free and hands out the next fencing token, atomically.
-- KEYS[1] the lock   KEYS[2] the resource's fencing counter (same {hash tag})
-- ARGV[1] owner token (random)   ARGV[2] ttl in ms
-- Returns the fencing token, or nil when someone else holds the lock.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return nil
