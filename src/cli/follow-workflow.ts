/**
 * Following a workflow from the CLI until it ends: a progress line redrawn on a terminal (a line every 5 s
 * otherwise, so CI logs stay readable), then the outcome. What the line says is the caller's: a query, the
 * activity's heartbeats, ...
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';

export type WorkflowOutcome<R> = { ok: true; result: R } | { ok: false; error: unknown };

export async function followWorkflow<R>(
  client: Client,
  workflowId: string,
  progressLine: (elapsedSeconds: number) => Promise<string>,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<WorkflowOutcome<R>> {
  let ended = false;
  const outcome = client.workflow
    .getHandle(workflowId)
    .result()
    .then(
      (result: R): WorkflowOutcome<R> => ({ ok: true, result }),
      (error: unknown): WorkflowOutcome<R> => ({ ok: false, error }),
    );
  void outcome.then(() => (ended = true));
  const tty = stream.isTTY === true;
  const every = tty ? 1000 : 5000;
  const t0 = performance.now();
  while (!ended) {
    try {
      const line = await progressLine((performance.now() - t0) / 1000);
      if (!ended) stream.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    } catch {
      // No worker answering yet, a run between continue-as-new runs, or the server did not answer this time: the
      // next tick tries again.
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outcome, new Promise((resolve) => (timer = setTimeout(resolve, every)))]);
    clearTimeout(timer); // a pending tick would keep the process alive after the end
  }
  if (tty) stream.write('\r\x1b[2K');
  return outcome;
}

/** The innermost cause (the activity's own error, with its code), not the client's "workflow execution failed". */
export function failureText(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  if (!(inner instanceof Error)) return String(inner);
  const code = inner instanceof ApplicationFailure && inner.type ? ` [${inner.type}]` : '';
  return `${inner.message || inner.name}${code}`;
}
