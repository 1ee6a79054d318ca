// Typed errors shared by labs and the HTTP app factory. Each carries the HTTP status it maps to,
// so a route can simply `throw new NotFoundError(...)` and the error handler answers correctly.

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'too_many_requests'
  | 'service_unavailable'
  | 'not_implemented'
  | (string & {});

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(status: number, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Input that does not satisfy a schema or rule. Nothing was written. */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_failed', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required', code: ErrorCode = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'not allowed', code: ErrorCode = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details?: unknown) {
    super(404, 'not_found', message, details);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string, details?: unknown) {
    super(422, 'unprocessable', message, details);
  }
}

/**
 * Thrown by the stubs in a lab's `starter/`: the learner's exercise. The message names the exercise so a
 * failing test says exactly what is left to write.
 */
export class NotImplementedError extends AppError {
  constructor(exercise: string) {
    super(501, 'not_implemented', `Not implemented yet: ${exercise}`);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
