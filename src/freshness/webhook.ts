/**
 * One POST of an alert to `alerts.webhook`, and what its outcome means for a retry. It never retries by itself:
 * the sendFreshnessAlert activity throws, and Temporal's retry policy (backoff, bounded attempts, visible in the
 * UI) decides. Outages are retryable (no connection, timeout, 5xx, 408, 429); any other 4xx or a redirect means
 * the request or the URL is wrong, and sending the same thing again cannot help.
 */
import { FeatureflowError } from '../registry/errors.js';
import { webhookOrigin } from './alert.js';

export class AlertDeliveryError extends FeatureflowError {
  constructor(code: 'ALERT_WEBHOOK_FAILED' | 'ALERT_WEBHOOK_REJECTED', message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

export interface PostAlertOptions {
  /** The whole exchange, body included, must finish within this; default 10 s. */
  timeoutMs?: number;
  /** Sent as the Idempotency-Key header (the alert's id), so a receiver can drop a repeated delivery. */
  idempotencyKey?: string;
}

/** Longest part of a refusal's body quoted in the error: enough for a receiver's reason, not a whole HTML page. */
const QUOTED_BODY_CHARS = 200;

export async function postAlert(url: string, body: unknown, options: PostAlertOptions = {}): Promise<void> {
  const where = `the alerts webhook at ${webhookOrigin(url)}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  let answer: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'featureflow',
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
      // A redirected POST turns into a GET in fetch: the alert would be lost while looking delivered.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer = await response.text();
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : causeText(err);
    throw new AlertDeliveryError('ALERT_WEBHOOK_FAILED', `${where} could not be reached: ${reason}`, { cause: err });
  }
  if (response.status >= 200 && response.status < 300) return;
  const quoted = answer.trim() === '' ? '' : `: ${JSON.stringify(answer.trim().slice(0, QUOTED_BODY_CHARS))}`;
  const said = `${where} answered ${response.status}${quoted}`;
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new AlertDeliveryError('ALERT_WEBHOOK_FAILED', said);
  }
  if (response.status >= 300 && response.status < 400) {
    throw new AlertDeliveryError('ALERT_WEBHOOK_REJECTED', `${said} (a redirect): configure the URL it redirects to as alerts.webhook`);
  }
  throw new AlertDeliveryError('ALERT_WEBHOOK_REJECTED', `${said}; retrying the same request cannot help, so it is not retried`);
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in its cause. */
function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
  return cause ? `${err.message} (${code ?? cause.message})` : err.message;
}
