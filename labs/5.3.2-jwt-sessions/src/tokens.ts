// Access and refresh tokens, signed and verified with jose (HS256). Each carries a jti (its own id)
// and sid (the session it belongs to). The clock is injectable: jose verifies `exp` against it.
import { randomBytes, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AuthError } from './auth-error';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  /** The user id. */
  sub: string;
  /** The session (login) the token belongs to. */
  sid: string;
  /** This token's own id: what a single-token revocation names. */
  jti: string;
  typ: TokenType;
  /** Expiry, seconds since the epoch. */
  exp: number;
  iat: number;
}

export interface TokenServiceOptions {
  /** HS256 secret: at least 32 bytes. From JWT_SECRET, or random per process (demo only). */
  secret?: string | Uint8Array;
  /** Milliseconds since the epoch. */
  now?: () => number;
  accessTtlSec?: number;
  issuer?: string;
}

export interface TokenService {
  /** Signs a token; `expSec` defaults to now + the access lifetime. Returns the token and its claims. */
  sign(typ: TokenType, sub: string, sid: string, expSec?: number): Promise<{ token: string; claims: TokenClaims }>;
  /** Verifies signature, expiry, issuer and type; throws AuthError with a precise code. */
  verify(token: string, typ: TokenType): Promise<TokenClaims>;
  readonly accessTtlSec: number;
}

/** JWT_SECRET, or a random development secret for this process (serve says so in one line). */
export function secretFromEnv(): Uint8Array {
  const env = process.env.JWT_SECRET;
  return env ? new TextEncoder().encode(env) : randomBytes(32);
}

/** True when no JWT_SECRET is configured and secretFromEnv() hands out a development secret. */
export const usingDevSecret = (): boolean => !process.env.JWT_SECRET;

export function createTokenService(opts: TokenServiceOptions = {}): TokenService {
  const key = typeof opts.secret === 'string' ? new TextEncoder().encode(opts.secret) : (opts.secret ?? secretFromEnv());
  if (key.length < 32) throw new Error('the HS256 secret must be at least 32 bytes');
  const now = opts.now ?? Date.now;
  const issuer = opts.issuer ?? 'redis-labs-5.3.2';
  const accessTtlSec = opts.accessTtlSec ?? 300;

  return {
    accessTtlSec,
    async sign(typ, sub, sid, expSec) {
      const iat = Math.floor(now() / 1000);
      const claims: TokenClaims = { sub, sid, jti: randomUUID(), typ, iat, exp: expSec ?? iat + accessTtlSec };
      const token = await new SignJWT({ sid, typ })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setJti(claims.jti)
        .setIssuer(issuer)
        .setIssuedAt(iat)
        .setExpirationTime(claims.exp)
        .sign(key);
      return { token, claims };
    },
    async verify(token, typ) {
      let payload;
      try {
        // Every token we issue carries exp: one without it is not ours, however well signed.
        ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer, currentDate: new Date(now()), requiredClaims: ['exp', 'sub', 'jti', 'iat'] }));
      } catch (err) {
        throw new AuthError(reasonFor(err));
      }
      const { sub, sid, jti, exp, iat } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') {
        throw new AuthError('token_malformed');
      }
      if (payload.typ !== typ) throw new AuthError('token_wrong_type');
      return { sub, sid, jti, typ, exp, iat: iat ?? 0 };
    },
  };
}

function reasonFor(err: unknown) {
  if (err instanceof errors.JWTExpired) return 'token_expired' as const;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token_invalid_signature' as const;
  // Bad structure, bad base64, wrong alg, wrong issuer, missing claims: not a token we issued.
  return 'token_malformed' as const;
}
