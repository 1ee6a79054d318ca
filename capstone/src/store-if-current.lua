-- Stores a freshly loaded cache entry only if no write invalidated its book while it was loading:
-- the loader read the book's generation before querying Postgres; every invalidation bumps it. This
-- closes the read/invalidate race (a slow reader writing back a page older than the write).
-- KEYS[1] entry  KEYS[2] the book's generation  KEYS[3] (optional) the book's page index set
-- ARGV[1] value  ARGV[2] lifetime ms  ARGV[3] generation seen before loading  ARGV[4] max index size
local gen = redis.call('GET', KEYS[2]) or '0'
if gen ~= ARGV[3] then return 0 end
if KEYS[3] then
  if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 0 end
  redis.call('SADD', KEYS[3], KEYS[1])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
