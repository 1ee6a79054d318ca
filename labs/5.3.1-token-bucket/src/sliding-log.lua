-- Sliding window log: a sorted set of the timestamps of allowed requests. Exact (never more than
-- `limit` in any window), but memory grows with the limit: one member per request.
-- KEYS[1] the log   ARGV: now_ms, limit, window_ms, unique member id
local now, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 1
