-- Pushes the expiry out only if we still own the lock (the watchdog calls this).
-- KEYS[1] the lock   ARGV[1] owner token   ARGV[2] new ttl in ms
-- Returns 1 if extended, 0 if the lock is no longer ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
