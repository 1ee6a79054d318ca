-- Starter: exercise 2. Push the expiry out only if we still own the lock (the watchdog calls this).
-- KEYS[1] the lock   ARGV[1] owner token   ARGV[2] new ttl in ms
-- Returns 1 if extended, 0 if the lock is no longer ours.
return redis.error_reply('not implemented: exercise 2 — extend.lua (PEXPIRE only when GET equals our token)')
