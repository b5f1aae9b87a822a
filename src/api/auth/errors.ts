/** The two ways a request is refused for auth. Messages never contain the token or the header's value. */
import { FeatureflowError } from '../../registry/errors.js';

/** No usable credentials (401, with `WWW-Authenticate: Bearer`; see api/errors.ts). */
export class UnauthenticatedError extends FeatureflowError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** A valid token whose scopes do not cover the request (403); the message names what is missing. */
export class ForbiddenError extends FeatureflowError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
