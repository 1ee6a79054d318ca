import { AppError } from '../../../shared/errors';

/** Nobody released the lock before the acquire timeout ran out. */
export class LockNotAcquiredError extends AppError {
  constructor(resource: string, waitedMs: number) {
    super(409, 'lock_not_acquired', `could not lock ${resource} within ${waitedMs} ms`);
  }
}

/** The lease expired (or was taken over) while we still thought we held it. */
export class LockLostError extends AppError {
  constructor(resource: string) {
    super(409, 'lock_lost', `the lock on ${resource} expired before we were done`);
  }
}

/** Release or extend by someone who does not hold the lock. */
export class NotOwnerError extends AppError {
  constructor(resource: string) {
    super(409, 'not_owner', `this client does not own the lock on ${resource}`);
  }
}
