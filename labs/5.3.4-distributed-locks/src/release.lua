-- Deletes the lock only if we still own it. A plain DEL could delete a lock that expired and was
-- taken by another client in the meantime.
-- KEYS[1] the lock   ARGV[1] owner token
-- Returns 1 if released, 0 if the lock is not ours (expired, or never was).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
