-- Undo a reset whose archive could not be written: merge the parked standings back into the live board.
-- Boards keep each player's best score (ZADD GT), so AGGREGATE MAX gives exactly the board that would
-- exist had the reset never happened, including scores submitted since the RENAME.
-- KEYS[1] live board   KEYS[2] archiving key
-- ARGV[1] the board's expire-at (ms), or '' for the all-time board
redis.call('ZUNIONSTORE', KEYS[1], 2, KEYS[1], KEYS[2], 'AGGREGATE', 'MAX')
redis.call('DEL', KEYS[2])
if ARGV[1] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return redis.call('ZCARD', KEYS[1])
