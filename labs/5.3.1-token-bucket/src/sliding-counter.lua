-- Sliding window counter: two fixed-window counters, the previous one weighted by how much of it
-- still overlaps the sliding window. Two integers of memory, an approximation of the sliding log.
-- KEYS[1] current window counter, KEYS[2] previous window counter
-- ARGV: limit, window_ms, elapsed_ms (how far `now` is into the current window)
local limit, window, elapsed = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local estimate = prev * ((window - elapsed) / window) + cur
if estimate + 1 > limit then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], window * 2)
return 1
