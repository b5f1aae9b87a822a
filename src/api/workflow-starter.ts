/**
 * What the API needs from Temporal to answer Feast's `/materialize` and `/materialize-incremental`: start a workflow
 * and, when asked to wait, its outcome. An interface here so the API itself never loads the Temporal client; `serve`
 * passes the implementation (src/client/api-workflows.ts), tests may pass their own.
 */
import type { MaterializeIncrementalInput, MaterializeInput } from '../workflows/shared.js';

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
  /** The run's page in the Temporal UI. */
  uiUrl: string;
  /** The same request was already running under this id: this is that run, nothing new was started. */
  alreadyRunning: boolean;
}

export type WorkflowOutcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; message: string }
  /** Still running when the wait ran out. */
  | { status: 'running' };

export interface WorkflowStarter {
  materialize(input: MaterializeInput): Promise<StartedWorkflow>;
  materializeIncremental(input: MaterializeIncrementalInput & { end: string }): Promise<StartedWorkflow>;
  /** Waits for the run at most `waitMs`. */
  outcome(started: StartedWorkflow, waitMs: number): Promise<WorkflowOutcome>;
  close(): Promise<void>;
}
