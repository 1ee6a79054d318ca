-- Fixed window: one counter per window (the caller puts the window number in the key).
-- Cheap and simple, but a client can send `limit` at the end of one window and `limit` again at the
-- start of the next: twice the limit within a few milliseconds.
-- KEYS[1] counter of the current window   ARGV: limit, window_ms
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then return 0 end
return 1
