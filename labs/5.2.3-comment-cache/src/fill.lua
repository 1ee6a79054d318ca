-- Fills a post's cached list, unless a write happened while the loader was reading Postgres.
-- KEYS[1] list key, KEYS[2] version key (INCR'd by every write-through).
-- ARGV[1] version read before the query ('' when none), ARGV[2] physical TTL (ms), ARGV[3] meta element,
-- ARGV[4..] the comments as JSON, oldest first.
-- Returns 1 when filled, 0 when skipped (the list would miss a comment written meanwhile).
local current = redis.call('GET', KEYS[2]) or ''
if current ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], ARGV[3])
for i = 4, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
