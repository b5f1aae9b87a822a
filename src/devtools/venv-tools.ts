// Finds the command-line tools scripts/setup.mjs installs into .tools/venv (Temporal's servers, rclone), so tests,
// benches and the demo use those rather than whatever else the machine has, or a download that cannot work here.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/devtools/ -> project root. Resolved from this file, not process.cwd(), so it works from any directory.
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const venvBin = path.join(projectRoot, '.tools', 'venv', 'bin');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The executable `name`: the file `envVar` names, then .tools/venv/bin, then PATH. */
export function findTool(envVar: string, name: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    // An explicit setting that points nowhere is a mistake to report, not a reason to quietly try elsewhere.
    if (!isExecutable(fromEnv)) throw new Error(`${envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const inVenv = path.join(venvBin, name);
  if (isExecutable(inVenv)) return inVenv;
  return onPath(name);
}
