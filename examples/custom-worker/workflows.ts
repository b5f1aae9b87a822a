// The worker's workflow bundle (its workflowsPath): every Featureflow workflow, which Schedules, the CLI and the API
// start by these names on this task queue, beside the team's own. Every exported function is a workflow type.
export * from 'featureflow/workflows';
export { refreshAndReport } from './refresh-and-report.js';
