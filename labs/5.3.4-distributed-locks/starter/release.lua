-- Starter: exercise 2. Delete the lock only if we still own it. A plain DEL could delete a lock that
-- expired and was taken by another client in the meantime.
-- KEYS[1] the lock   ARGV[1] owner token
-- Returns 1 if released, 0 if the lock is not ours (expired, or never was).
return redis.error_reply('not implemented: exercise 2 — release.lua (DEL only when GET equals our token)')
