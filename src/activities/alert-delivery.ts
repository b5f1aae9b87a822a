/** Sending one alert (freshness, drift): a log record on the first attempt, then the webhook, if any. */
import { Context } from '@temporalio/activity';
import { postAlert } from '../freshness/webhook.js';

/** Well inside the workflows' startToClose for the send activities, so a hung receiver is a retry, not a timeout. */
const WEBHOOK_TIMEOUT_MS = 10_000;

export async function deliverAlert<Payload extends { id: string }>(
  webhook: string | undefined,
  payload: Payload,
  log: () => void,
): Promise<void> {
  // Once per alert, not once per delivery attempt: a flaky receiver must not turn one alert into ten log lines.
  if (Context.current().info.attempt === 1) log();
  // The payload's id makes a redelivery after a lost response recognisable to the receiver.
  if (webhook !== undefined) await postAlert(webhook, payload, { timeoutMs: WEBHOOK_TIMEOUT_MS, idempotencyKey: payload.id });
}
