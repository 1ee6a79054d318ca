-- The first step of a tag invalidation: move every member of the live tag set into its detached twin
-- and delete the live set, atomically. A writer tagging concurrently lands either before (its entry is
-- in the twin and gets deleted) or after (in a new live set, found by the next invalidation): never in
-- a set the invalidation then throws away. A twin an earlier, unfinished invalidation left behind is
-- merged, so its members are not lost either.
-- KEYS[1] = tag set; KEYS[2] = its detached twin. Returns how many members the twin holds.
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MAX')
  redis.call('UNLINK', KEYS[1])
  -- ZUNIONSTORE leaves no TTL: the twin lives until its longest entry would have expired.
  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('PEXPIRE', KEYS[2], math.max(1000, tonumber(top[2]) - now))
end
return redis.call('ZCARD', KEYS[2])
