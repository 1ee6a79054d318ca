-- GCRA (generic cell rate algorithm): one number per client, the "theoretical arrival time" (TAT)
-- of the next request if it kept to the rate. A request is allowed if it does not arrive more than
-- `burst` emission intervals ahead of its TAT. Same behaviour as a token bucket, half the state.
-- KEYS[1] TAT in ms   ARGV: now_ms, emission interval ms (window / limit), burst (requests)
local now, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - burst * interval > now then return 0 end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return 1
