-- One read of a post's thread, in one command: record the read in the activity window, trim the
-- window, count it, and return the cached list. (The same as a MULTI of five commands, with less
-- client work per read.)
-- KEYS[1] activity sorted set, KEYS[2] list. ARGV[1] now (ms), ARGV[2] unique member, ARGV[3] window (ms).
-- Returns { activity count, list elements }.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
local count = redis.call('ZCARD', KEYS[1])
redis.call('PEXPIRE', KEYS[1], window)
return { count, redis.call('LRANGE', KEYS[2], 0, -1) }
