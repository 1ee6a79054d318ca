-- Records one read in a post's activity window and returns the count: the sliding-window log of
-- activity.ts in one command. The cached list is NOT fetched here: LRANGE goes in the same pipeline
-- as a plain command, because copying every comment into Lua strings and back costs Redis several
-- times the LRANGE itself.
-- KEYS[1] activity sorted set. ARGV[1] now (ms), ARGV[2] unique member, ARGV[3] window (ms),
-- ARGV[4] cap (the highest tier's threshold: more events than that cannot change the TTL).
-- Returns the number of events in the window, at most the cap.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
local count = redis.call('ZCARD', KEYS[1])
redis.call('PEXPIRE', KEYS[1], window)
return count
