/**
 * `featureflow historical --workflow`: starts the trainingSet workflow and follows it to the end, with a progress
 * bar from the activity's last heartbeat (redrawn on a terminal, a line every 5 s otherwise). The counts go to
 * stdout, progress and failures to stderr, as in the local run. Loaded only for --workflow, so local runs never
 * pay for the Temporal client.
 */
import type { Client } from '@temporalio/client';
import { connectClient, getTrainingSetProgress, startTrainingSet, workflowUiUrl, type TemporalTarget, type TrainingSetProgress } from '../client.js';
import { TASK_QUEUE, type TrainingSetInput, type TrainingSetResult } from '../workflows/shared.js';
import { failureText, followWorkflow } from './follow-workflow.js';

export interface WorkflowTarget extends TemporalTarget {
  project?: string;
  taskQueue?: string;
}

export async function runTrainingSetWorkflow(input: TrainingSetInput, target: WorkflowTarget): Promise<number> {
  const client = await connectClient(target);
  try {
    const taskQueue = target.taskQueue ?? TASK_QUEUE;
    const handle = await startTrainingSet(client, input, { taskQueue, project: target.project });
    console.log(`Started training set ${handle.workflowId}`);
    console.log(`Temporal UI: ${workflowUiUrl(handle.workflowId, client.options.namespace)}`);
    console.error('Ctrl-C stops watching; the workflow keeps running.');
    return await follow(client, handle.workflowId, taskQueue);
  } finally {
    await client.connection.close();
  }
}

async function follow(client: Client, workflowId: string, taskQueue: string): Promise<number> {
  const end = await followWorkflow<TrainingSetResult>(client, workflowId, async (elapsed) =>
    progressLine(await getTrainingSetProgress(client, workflowId), taskQueue, elapsed),
  );
  if (end.ok) {
    const r = end.result;
    console.log(
      `Wrote ${r.rows.toLocaleString('en-US')} rows x ${r.columns} columns (${r.features} feature${r.features === 1 ? '' : 's'}) to ${r.out} in ${r.seconds.toFixed(1)}s`,
    );
    return 0;
  }
  console.error(`featureflow: training set ${workflowId} failed: ${failureText(end.error)}`);
  return 1;
}

export function progressLine(p: TrainingSetProgress, taskQueue: string, elapsedSeconds: number): string {
  const elapsed = `${elapsedSeconds.toFixed(0)}s`;
  if (p.activity === 'none' || (p.activity === 'waiting' && p.attempt <= 1)) {
    return `training set: waiting for a worker on task queue ${taskQueue} ${elapsed}`;
  }
  const width = 30;
  const fraction = p.fraction ?? 0;
  const bar = '#'.repeat(Math.floor(fraction * width)).padEnd(width, '.');
  const step = p.step ? ` ${p.step}${p.percent === undefined ? '' : ` ${p.percent.toFixed(0)}%`}` : '';
  const retry = p.attempt > 1 ? ` [attempt ${p.attempt}${p.lastFailure ? `, last: ${p.lastFailure}` : ''}]` : '';
  const state = p.activity === 'running' ? '' : ` [${p.activity}]`;
  return `training set [${bar}] ${(fraction * 100).toFixed(0)}%${step}${retry}${state} ${elapsed}`;
}
