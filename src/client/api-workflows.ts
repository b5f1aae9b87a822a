/**
 * The API's WorkflowStarter on a real Temporal client. The connection is made on first use, not at server start,
 * so the online API serves reads while Temporal is down; a failed connection is retried on the next request.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { FeatureflowError } from '../registry/errors.js';
import type { StartedWorkflow, WorkflowStarter } from '../api/workflow-starter.js';
import { resolveMaterializeIncrementalInput, type materializeIncremental } from '../workflows/materialize-incremental.js';
import { resolveMaterializeInput, type materialize } from '../workflows/materialize.js';
import {
  materializeIncrementalWorkflowId,
  materializeWorkflowId,
  type MaterializeIncrementalInput,
  type MaterializeInput,
} from '../workflows/shared.js';
import { checked, connectClient, startWorkflowOnce, WorkflowAlreadyRunningError, workflowUiUrl, type TemporalTarget } from './connection.js';

export interface ApiWorkflowsOptions extends TemporalTarget {
  project: string;
  taskQueue?: string | undefined;
}

export function createApiWorkflows(options: ApiWorkflowsOptions): WorkflowStarter {
  let connecting: Promise<Client> | undefined;
  const client = (): Promise<Client> => {
    connecting ??= connectClient(options).catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };

  async function start(
    workflowType: 'materialize' | 'materializeIncremental',
    input: MaterializeInput | MaterializeIncrementalInput,
    workflowId: string,
    what: string,
  ): Promise<StartedWorkflow> {
    const c = await client();
    const namespace = c.options.namespace;
    try {
      const handle = await startWorkflowOnce<typeof materialize | typeof materializeIncremental>(c, workflowType, input as MaterializeInput, {
        workflowId,
        what,
        taskQueue: options.taskQueue,
        project: options.project,
        // Absent views mean every online view; the run then carries no FeatureflowView.
        views: input.views,
      });
      return { workflowId, runId: handle.firstExecutionRunId, uiUrl: workflowUiUrl(workflowId, namespace), alreadyRunning: false };
    } catch (err) {
      if (err instanceof WorkflowAlreadyRunningError) {
        const running = await c.workflow.getHandle(workflowId).describe();
        return { workflowId, runId: running.runId, uiUrl: workflowUiUrl(workflowId, namespace), alreadyRunning: true };
      }
      if (err instanceof FeatureflowError) throw err;
      // Anything else from a start is the connection or the server: the client should retry, not see a 500.
      throw new FeatureflowError('TEMPORAL_UNAVAILABLE', `starting ${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  return {
    materialize(input) {
      checked(() => resolveMaterializeInput(input));
      return start('materialize', input, materializeWorkflowId(options.project, input), `materializing [${input.start}, ${input.end})`);
    },
    materializeIncremental(input) {
      checked(() => resolveMaterializeIncrementalInput(input));
      return start('materializeIncremental', input, materializeIncrementalWorkflowId(options.project, input), `materializing up to ${input.end}`);
    },
    async outcome(started, waitMs) {
      const c = await client();
      // The long-poll behind result() is cancelled when the wait runs out, so clients re-polling a long run with
      // ?wait do not pile up open polls against Temporal.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), waitMs);
      try {
        const value: unknown = await c.withAbortSignal(abort.signal, () => c.workflow.getHandle(started.workflowId, started.runId).result());
        return { status: 'completed', result: value };
      } catch (err) {
        if (err instanceof WorkflowFailedError) return { status: 'failed', message: rootMessage(err) };
        if (abort.signal.aborted) return { status: 'running' };
        throw new FeatureflowError('TEMPORAL_UNAVAILABLE', `waiting for workflow ${started.workflowId} failed: ${(err as Error).message}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const c = await connecting?.catch(() => undefined);
      await c?.connection.close();
    },
  };
}

/** The innermost cause says what went wrong ("Activity task failed" wraps the activity's own failure). */
function rootMessage(err: Error): string {
  let deepest: Error = err;
  while (deepest.cause instanceof Error) deepest = deepest.cause;
  return deepest.message;
}
