-- Starter: exercise 1. Take the lock if it is free and hand out the next fencing token, atomically.
-- KEYS[1] the lock   KEYS[2] the resource's fencing counter (same {hash tag})
-- ARGV[1] owner token (random)   ARGV[2] ttl in ms
-- Returns the fencing token, or nil when someone else holds the lock.
-- To write: SET the lock NX PX ttl; only when that succeeded, INCR the counter and return it.
return redis.error_reply('not implemented: exercise 1 — acquire.lua (SET NX PX, then INCR the fencing counter)')
