/**
 * What an administration use case can refuse, without knowing HTTP: the API maps each to its
 * problem (400 naming the field, 403, 404, 409 with the current state).
 */

/** Input that is well-formed but wrong for the organisation (unknown user, foreign domain…). */
export class InvalidFieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'InvalidFieldError';
  }
}

/** Someone else got there first (address taken, role changed meanwhile): `current` is what is there now. */
export class AdminConflictError extends Error {
  constructor(message: string, readonly current?: unknown) {
    super(message);
    this.name = 'AdminConflictError';
  }
}

export class AdminNotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} does not exist`);
    this.name = 'AdminNotFoundError';
  }
}

/** The caller may see the thing but not change it this way (a personal mailbox's members, say). */
export class AdminForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminForbiddenError';
  }
}
