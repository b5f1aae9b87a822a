/**
 * Progress figures of a backfill: ETA and the markdown shown in the Temporal UI. Pure, fed with workflow time
 * (`Date.now()` inside a workflow is the deterministic time of the current workflow task), so a query answers
 * the same on replay.
 */
import type { BackfillProgress } from './shared.js';

export interface PauseClock {
  startedAtMs: number;
  nowMs: number;
  /** Paused time already over. */
  pausedMs: number;
  /** When the current pause began, if paused now. */
  pausedSinceMs?: number | undefined;
}

/** Time spent working: since the start, minus every pause (including the current one). */
export function activeMs(clock: PauseClock): number {
  const current = clock.pausedSinceMs === undefined ? 0 : clock.nowMs - clock.pausedSinceMs;
  return Math.max(0, clock.nowMs - clock.startedAtMs - clock.pausedMs - current);
}

/**
 * Seconds left if the remaining chunks go at the average pace so far (which already reflects the parallelism):
 * 0 when everything is done, null before the first chunk finished (no pace yet).
 */
export function etaSeconds(chunksDone: number, chunksTotal: number, workedMs: number): number | null {
  if (chunksDone >= chunksTotal) return 0;
  if (chunksDone <= 0 || workedMs <= 0) return null;
  return Math.ceil(((workedMs / chunksDone) * (chunksTotal - chunksDone)) / 1000);
}

/** `45s`, `3m 12s`, `2h 05m`, `3d 4h`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function percentDone(chunksDone: number, chunksTotal: number): number {
  return chunksTotal <= 0 ? 100 : Math.floor((chunksDone / chunksTotal) * 1000) / 10;
}

const STATE_LABELS: Record<BackfillProgress['state'], string> = {
  running: 'running',
  paused: 'paused (signal `resume` to continue)',
  draining: 'finishing chunks in flight before continuing as new',
  completed: 'completed',
  cancelling: 'cancelling: waiting for chunks in flight',
  failing: 'failing: a chunk failed, waiting for chunks in flight',
};

/** The "current details" markdown of the Temporal UI (setCurrentDetails, no history event). */
export function progressMarkdown(p: BackfillProgress, range: { start: string; end: string; chunk: string }): string {
  const eta = p.etaSeconds === null ? 'after the first chunk' : formatSeconds(p.etaSeconds);
  const lines = [
    `**Backfill \`${p.view}\`** [${range.start}, ${range.end}) in chunks of ${range.chunk}`,
    '',
    `- state: ${STATE_LABELS[p.state]}`,
    `- chunks: ${p.chunksDone} / ${p.chunksTotal} (${percentDone(p.chunksDone, p.chunksTotal)}%)`,
    `- rows written: ${p.rowsWritten}, keys written: ${p.keysWritten}`,
    `- ETA: ${eta}`,
    `- running: ${p.running.length === 0 ? 'none' : p.running.map((r) => `[${r.start}, ${r.end})`).join(', ')}`,
    `- started ${p.startedAt}; continued as new ${p.runs} time${p.runs === 1 ? '' : 's'}`,
  ];
  return lines.join('\n');
}
