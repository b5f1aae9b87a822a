/** The server's log sink: one line per event. Injected so tests stay quiet and embedders can route it. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines on stderr: what log collectors parse without configuration. */
export const stderrLogger: Logger = {
  info: (message, fields) => write('info', message, fields),
  error: (message, fields) => write('error', message, fields),
};

export const silentLogger: Logger = { info: () => {}, error: () => {} };

function write(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}

/** An error as log fields: its code, message and stack (and its cause's message). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return {
    error: err.message,
    ...('code' in err ? { code: (err as { code: unknown }).code } : {}),
    stack: err.stack,
    ...(cause ? { cause } : {}),
  };
}
