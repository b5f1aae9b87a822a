/** Peak resident set size of a process (Linux VmHWM), in MB; NaN where /proc is not available. */
import { readFileSync } from 'node:fs';

export function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
