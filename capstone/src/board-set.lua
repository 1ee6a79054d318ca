-- Sets (or removes) a book's top-rated score only if `version` is newer than the one recorded, so two
-- writes whose ZADDs arrive out of order cannot leave the older summary on the board.
-- KEYS[1] board (zset)  KEYS[2] versions (hash)   ARGV[1] member  ARGV[2] score or '' to remove  ARGV[3] version
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local version = tonumber(ARGV[3])
if version <= current then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], version)
if ARGV[2] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return 1
