// Every way a token or session can be refused, each a 401 with its own code, so a client knows
// whether to refresh (token_expired), to log in again (session_*), or that it holds a bad token.
import { AppError, type ErrorCode } from '../../../shared/errors';
import { RedisUnavailableError } from '../../../shared/redis-client';

export type AuthErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'token_invalid_signature'
  | 'token_expired'
  | 'token_wrong_type'
  | 'token_revoked'
  | 'session_revoked'
  | 'session_expired'
  | 'refresh_reused'
  | 'invalid_credentials';

const MESSAGES: Record<AuthErrorCode, string> = {
  token_missing: 'no bearer token in the Authorization header',
  token_malformed: 'the token is not a well-formed JWT',
  token_invalid_signature: 'the token signature does not verify',
  token_expired: 'the token has expired',
  token_wrong_type: 'this kind of token cannot be used here',
  token_revoked: 'the token has been revoked',
  session_revoked: 'the session has been revoked; log in again',
  session_expired: 'the session has expired; log in again',
  refresh_reused: 'an old refresh token was reused: the whole session was revoked',
  invalid_credentials: 'wrong email or password',
};

export class AuthError extends AppError {
  constructor(readonly reason: AuthErrorCode) {
    super(401, reason, MESSAGES[reason]);
  }
}

/**
 * The session store could not be reached: auth fails closed (never lets a revoked token through).
 * A RedisUnavailableError, so the error handler answers 503 + Retry-After and logs one warn line.
 */
export class SessionStoreUnavailableError extends RedisUnavailableError {
  override readonly code: ErrorCode = 'session_store_unavailable';
  constructor() {
    super('sessions cannot be checked right now; try again shortly');
  }
}
