-- Step 1 of a reset: park the live board under its archiving key with RENAME, atomically. From this
-- instant new submissions start a fresh board, and the parked standings can no longer change, so the
-- archive copies exactly the final standings and no score submitted meanwhile is lost.
-- A reset under way holds a lock with a TTL. A parked board WITHOUT that lock was left by a reset that
-- never finished (its RENAME ran during a stall, after the API had given up): it is merged back first
-- (best scores, AGGREGATE MAX, as restore.lua does), so a late write cannot hold the board for good.
-- All three keys carry the game's {hash tag}.
-- KEYS[1] live board   KEYS[2] archiving key   KEYS[3] reset lock
-- ARGV[1] lock ttl (ms)   ARGV[2] the board's expire-at (ms), or '' for the all-time board
-- Returns -1 when a reset of this board is already under way, else how many players were parked.
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MAX')
  redis.call('DEL', KEYS[2])
  if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return redis.call('ZCARD', KEYS[2])
