/**
 * A one-line progress display on stderr: redrawn in place on a terminal, one line per finished step otherwise
 * (CI logs and pipes stay readable).
 */
import type { ProgressEvent } from '../engine/progress.js';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: ProgressEvent) => void {
  const tty = stream.isTTY === true;
  return (event) => {
    const seconds = (event.elapsedMs / 1000).toFixed(1);
    const percent = event.percent === undefined ? '' : ` ${event.percent.toFixed(0)}%`;
    const text = `[${event.step}/${event.steps}] ${event.label}${percent} ${seconds}s`;
    if (tty) stream.write(`\r\x1b[2K${text}${event.done ? '\n' : ''}`);
    else if (event.done) stream.write(`${text}\n`);
  };
}
