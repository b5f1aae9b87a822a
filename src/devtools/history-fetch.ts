/**
 * A workflow's history as the server has it, for replaying a running (or finished) workflow against new code before
 * deploying that code. A running workflow's history is as far as it got: exactly what a new worker would replay.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { connectClient, temporalAddress, type TemporalTarget } from '../client/connection.js';
import { NotFoundError } from '../registry/errors.js';
import type { HistoryToReplay } from './replay.js';

// gRPC status NOT_FOUND; @grpc/grpc-js's enum is the SDK's dependency, not ours.
const GRPC_NOT_FOUND = 5;

/** The history of `workflowId` (its latest run, or `runId`). */
export async function fetchHistory(target: TemporalTarget, workflowId: string, runId?: string): Promise<HistoryToReplay> {
  const client = await connectClient(target);
  try {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    return { name: runId ? `${workflowId} (run ${runId})` : workflowId, history };
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
      const run = runId ? ` with run id ${runId}` : '';
      throw new NotFoundError(
        `no workflow "${workflowId}"${run} in namespace "${client.options.namespace}" at ${temporalAddress(target)} ` +
          '(check the id, --namespace and --address; the server forgets closed workflows after their retention period)',
      );
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}
