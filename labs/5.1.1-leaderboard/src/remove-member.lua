-- Removes a member and publishes the removal, atomically: a message only for a member that was there.
-- KEYS[1] the board's sorted set
-- ARGV[1] member  ARGV[2] channel to publish on ('' = none)
-- Returns 1 if the member was removed, 0 if it was not on the board.
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 and ARGV[2] ~= '' then
  redis.call('PUBLISH', ARGV[2], cjson.encode({ type = 'removed', member = ARGV[1] }))
end
return removed
