/**
 * Reaching Temporal from code and the CLI: a client for a TemporalTarget (temporal-target.ts resolves address,
 * namespace, API key and TLS from options and the environment), the UI link of a workflow, and starting a workflow
 * at most once per id. Ids are deterministic (see workflows/contracts) and a start fails when a workflow with the
 * same id is running (conflict policy FAIL), so the same job never runs twice at once; once it has finished, the
 * same id may run again.
 */
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandleWithFirstExecutionRunId, type WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import { isErrorCode } from '../registry/error-codes.js';
import { FeatureflowError } from '../registry/errors.js';
import { TASK_QUEUE } from '../workflows/shared.js';
import { forgetSearchAttributes, refusedOverSearchAttributes, searchAttributesFor } from './search-attributes.js';
import { connectFailure, resolveTemporalTarget, temporalNamespace, type TemporalTarget } from './temporal-target.js';

export { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS, resolveTemporalTarget, temporalAddress, temporalNamespace } from './temporal-target.js';
export type { ResolvedTemporalTarget, TemporalConnectionOptions, TemporalTarget } from './temporal-target.js';
export const DEFAULT_UI_URL = 'http://localhost:8233';

/** The workflow's page in the Temporal UI (TEMPORAL_UI_URL, else the dev server's http://localhost:8233). */
export function workflowUiUrl(workflowId: string, namespace = temporalNamespace(), uiUrl = process.env.TEMPORAL_UI_URL || DEFAULT_UI_URL): string {
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A client for the target (flags, then TEMPORAL_* variables: see temporal-target.ts). */
export async function connectClient(target: TemporalTarget = {}): Promise<Client> {
  const resolved = resolveTemporalTarget(target);
  let connection: Connection;
  try {
    connection = await Connection.connect(resolved.connection);
  } catch (err) {
    throw connectFailure(resolved, err);
  }
  return new Client({ connection, namespace: resolved.namespace });
}

/** Another run of this workflow id is in progress; `workflowId` names it. */
export class WorkflowAlreadyRunningError extends FeatureflowError {
  constructor(
    readonly workflowId: string,
    what: string,
    namespace: string,
  ) {
    super(
      'ALREADY_RUNNING',
      `${what} is already running as workflow ${workflowId}; wait for it, or cancel it first ` +
        `(temporal workflow cancel --workflow-id '${workflowId}'); see ${workflowUiUrl(workflowId, namespace)}`,
    );
  }
}

export interface StartOptions {
  taskQueue?: string;
  /** Labels the run with FeatureflowProject (see client/search-attributes.ts). */
  project?: string | undefined;
}

/**
 * Starts `workflowType` under `workflowId` with conflict policy FAIL: while a run of that id is open, the start fails
 * with WorkflowAlreadyRunningError naming it (`what` says what is running), instead of doing the same work twice.
 * The run is labelled with the search attributes the namespace has (kind = workflowType, `project`, `views`).
 */
export async function startWorkflowOnce<W extends Workflow>(
  client: Client,
  workflowType: string,
  input: Parameters<W>[0],
  how: { workflowId: string; what: string; taskQueue?: string | undefined; project?: string | undefined; views?: readonly string[] | undefined },
): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
  const typedSearchAttributes = await searchAttributesFor(client, { kind: workflowType, project: how.project, views: how.views });
  // The cast only restates what W's single object argument means for the SDK's conditional options type.
  const options = { taskQueue: how.taskQueue ?? TASK_QUEUE, workflowId: how.workflowId, args: [input], workflowIdConflictPolicy: 'FAIL' } as const;
  const start = (labels: typeof typedSearchAttributes) =>
    client.workflow.start<W>(workflowType, { ...options, ...(labels.length > 0 ? { typedSearchAttributes: labels } : {}) } as unknown as WorkflowStartOptions<W>);
  try {
    try {
      return await start(typedSearchAttributes);
    } catch (err) {
      // Refused over its labels (an attribute removed since the look-up, or not yet usable): start it unlabelled.
      if (typedSearchAttributes.length === 0 || !refusedOverSearchAttributes(err)) throw err;
      forgetSearchAttributes(client);
      const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      console.warn(`featureflow: starting ${how.workflowId} without search attributes: ${why}`);
      return await start([]);
    }
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new WorkflowAlreadyRunningError(how.workflowId, how.what, client.options.namespace);
    }
    throw err;
  }
}

/** The workflow's own input check, run here first so a bad input fails before anything starts. */
export function checked(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw new FeatureflowError(isErrorCode(err.type) ? err.type : 'INVALID_WORKFLOW_INPUT', err.message);
    throw err;
  }
}
