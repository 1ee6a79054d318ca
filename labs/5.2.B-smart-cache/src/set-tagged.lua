-- Writes a value and records it in its tag sets in one step, so a value is in Redis only while it is
-- in the set of every one of its tags (a tag invalidation can then always find it).
-- Tag sets are sorted sets: member = data key, score = when that entry expires (Redis TIME, ms).
-- KEYS[1] = data key; KEYS[2..] = tag sets
-- ARGV[1] = payload; ARGV[2] = lifetime (ms); ARGV[3] = most members a tag set may hold
-- Returns 1 when written, 0 when a tag set is full (then nothing is written).
local lifetime = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #KEYS do
  -- Members whose entries have expired go first: they are what fills a set over time.
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= cap and not redis.call('ZSCORE', KEYS[i], KEYS[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', lifetime)
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now + lifetime, KEYS[1])
  -- The set lives as long as its longest entry: PTTL is -1 for a set just created, so set it then.
  if redis.call('PTTL', KEYS[i]) < lifetime then
    redis.call('PEXPIRE', KEYS[i], lifetime)
  end
end
return 1
