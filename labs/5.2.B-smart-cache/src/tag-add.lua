-- On a Redis Cluster a value and its tag sets live in different slots, so one script cannot write them
-- all (tag-write.ts). This is the tag set's part: prune expired members, refuse when full, add the key.
-- KEYS[1] = tag set; ARGV[1] = data key; ARGV[2] = lifetime (ms); ARGV[3] = most members the set may hold
-- Returns 1 when added, 0 when the set is full.
local lifetime = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + lifetime, ARGV[1])
if redis.call('PTTL', KEYS[1]) < lifetime then
  redis.call('PEXPIRE', KEYS[1], lifetime)
end
return 1
