/**
 * Where the tokens come from: FEATUREFLOW_TOKENS (inline JSON, fixed for the process's life) or a token file,
 * re-read when its stat changes (polled) or on demand (serve calls reload() on SIGHUP). A file that fails to parse
 * on reload keeps the tokens in force and logs why: a half-written edit must not lock everyone out, nor let
 * everyone in. With neither given there is no source and auth is off.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { FeatureflowError } from '../../registry/errors.js';
import type { Logger } from '../logger.js';
import { errorFields } from '../logger.js';
import { parseTokenFile } from './token-file.js';
import { TokenSet } from './tokens.js';

export interface TokenSource {
  /** The tokens in force. */
  current(): TokenSet;
  /** Re-reads the file now (a no-op for inline tokens); resolves true when new tokens are in force. */
  reload(reason: string): Promise<boolean>;
  /** Stops watching the file. */
  close(): void;
}

export interface TokenSourceOptions {
  /** FEATUREFLOW_TOKENS_FILE or --tokens-file. */
  file?: string | undefined;
  /** FEATUREFLOW_TOKENS. */
  inline?: string | undefined;
  logger: Logger;
  /** How often the file's stat is checked; default 2 s. 0: never (reload() only). */
  pollIntervalMs?: number;
}

const DEFAULT_POLL_MS = 2000;

/** The configured source, or undefined when no tokens are configured (auth off). Throws when they are invalid. */
export function openTokenSource(options: TokenSourceOptions): TokenSource | undefined {
  if (options.file !== undefined && options.inline !== undefined) {
    throw new FeatureflowError('USAGE', 'give tokens either inline (FEATUREFLOW_TOKENS) or as a file (FEATUREFLOW_TOKENS_FILE / --tokens-file), not both');
  }
  if (options.inline !== undefined) {
    const tokens = new TokenSet(parseTokenFile(options.inline, 'FEATUREFLOW_TOKENS'));
    return { current: () => tokens, reload: () => Promise.resolve(false), close: () => {} };
  }
  if (options.file !== undefined) return new FileTokenSource(options.file, options.logger, options.pollIntervalMs ?? DEFAULT_POLL_MS);
  return undefined;
}

/** What tells a changed file: an editor's save-by-rename changes the inode, an in-place write mtime and size. */
function signature(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

class FileTokenSource implements TokenSource {
  private tokens: TokenSet;
  private seen: string;
  private readonly timer: NodeJS.Timeout | undefined;
  private reloading: Promise<boolean> | undefined;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    pollIntervalMs: number,
  ) {
    // Synchronous at start: a server must not listen before it knows whom to let in.
    let text: string;
    try {
      this.seen = signature(statSync(file));
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new FeatureflowError('USAGE', `cannot read the token file ${file}: ${(err as Error).message}`);
    }
    this.tokens = new TokenSet(parseTokenFile(text, `token file ${file}`));
    if (pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.poll(), pollIntervalMs);
      this.timer.unref();
    }
  }

  current(): TokenSet {
    return this.tokens;
  }

  reload(reason: string): Promise<boolean> {
    // One read at a time: a SIGHUP during a poll's read waits for it instead of racing it.
    this.reloading ??= this.read(reason).finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.reloading) return;
    let now: string;
    try {
      now = signature(await stat(this.file));
    } catch (err) {
      // Reported once per change of state, not every poll.
      if (this.seen !== 'missing') this.logger.error('token file unreadable; keeping the tokens in force', { file: this.file, ...errorFields(err) });
      this.seen = 'missing';
      return;
    }
    if (now !== this.seen) await this.reload('file changed');
  }

  private async read(reason: string): Promise<boolean> {
    try {
      const before = signature(await stat(this.file));
      const tokens = new TokenSet(parseTokenFile(await readFile(this.file, 'utf8'), `token file ${this.file}`));
      this.seen = before;
      this.tokens = tokens;
      this.logger.info('token file reloaded', { file: this.file, reason, tokens: tokens.size });
      return true;
    } catch (err) {
      // Remember the broken version so it is reported once; the next edit is read again.
      this.seen = await stat(this.file).then(signature, () => 'missing');
      this.logger.error('token file not reloaded; keeping the tokens in force', { file: this.file, reason, error: (err as Error).message });
      return false;
    }
  }
}
