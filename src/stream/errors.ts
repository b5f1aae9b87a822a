/** Errors of stream ingestion, each with a stable code (src/registry/error-codes.ts). */
import { FeatureflowError } from '../registry/errors.js';

/**
 * The positions stored with the view's tiles are not the ones this consumer started from: another consumer (a
 * zombie left by a dead worker, or a second one started by mistake) wrote a batch meanwhile. Nothing of this batch
 * was written. Retryable: the activity restarts from the stored positions, so no event is lost or counted twice.
 */
export class StreamPositionConflictError extends FeatureflowError {
  constructor(view: string, options: { cause?: unknown } = {}) {
    super(
      'STREAM_POSITION_CONFLICT',
      `stream view ${view}: the positions in Redis moved under this consumer (another consumer wrote a batch); restarting from the stored positions`,
      options,
    );
  }
}

/** The broker could not be reached or refused a request that may work later (down, restarting, no JetStream). */
export class BrokerUnavailableError extends FeatureflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('STREAM_BROKER_UNAVAILABLE', message, options);
  }
}
