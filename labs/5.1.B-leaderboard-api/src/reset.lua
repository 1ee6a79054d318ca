-- Step 1 of a reset: park the live board under its archiving key with RENAME, atomically. From this
-- instant new submissions start a fresh board, and the parked standings can no longer change, so the
-- archive copies exactly the final standings and no score submitted meanwhile is lost.
-- KEYS[1] live board   KEYS[2] archiving key
-- Returns -1 when a reset of this board is already under way, else how many players were parked.
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return redis.call('ZCARD', KEYS[2])
