// The team's own workflow, built on a Featureflow one: materialize a range as a child workflow (with its retries,
// its history and its page in the Temporal UI), then hand the summary to one of the team's activities.
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { materialize } from 'featureflow/workflows';
import type * as activities from './activities.js';

const { reportMaterialized } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export interface RefreshInput {
  start: string;
  end: string;
  views?: string[];
}

export async function refreshAndReport(input: RefreshInput): Promise<string> {
  const result = await executeChild(materialize, { args: [input], workflowId: `${workflowInfo().workflowId}:materialize` });
  return reportMaterialized(result);
}
