/** Waiting on a spawned `featureflow serve` child: the URL its banner prints, or its early exit with its output. */
import type { ChildProcess } from 'node:child_process';

/** Resolves with the first group of `banner` once `output()` matches it; rejects when the child exits first. */
export function waitForBanner(child: ChildProcess, output: () => string, banner: RegExp): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const check = setInterval(() => {
      const match = banner.exec(output());
      if (match) {
        clearInterval(check);
        resolve(match[1] as string);
      } else if (child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`serve exited early:\n${output()}`));
      }
    }, 20);
  });
}
