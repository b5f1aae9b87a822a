import { describe, expect, it } from 'vitest';
import { explainStartFailure } from '../../../src/devtools/dev-server.js';

const ports = { port: 7233, uiPort: 8233 };

describe('a dev server that fails to start', () => {
  it('names the Web UI port and its flag when the UI port is taken', () => {
    const printed = "Error: can't set UI port 8233: listen tcp 127.0.0.1:8233: bind: address already in use\n";
    expect(explainStartFailure(printed, ports, 'exited with 1')).toBe(
      'the Temporal dev server could not start: port 8233 (its Web UI port, --ui-port) is already in use by another process; stop that process or choose another port',
    );
  });

  it('names the frontend port out of a Go panic of many lines', () => {
    const stack = Array.from({ length: 80 }, (_, i) => `\tgo.temporal.io/server/common/rpc.(*f).g(${i})`).join('\n');
    const printed = `panic: listen tcp 127.0.0.1:7233: bind: address already in use\n\ngoroutine 1 [running]:\n${stack}\n`;
    expect(explainStartFailure(printed, ports, 'exited with 2')).toContain('port 7233 (its frontend port, --temporal-port) is already in use');
  });

  it('calls any other port one of its internal ports', () => {
    expect(explainStartFailure('listen tcp4 0.0.0.0:7239: bind: address already in use', ports, 'exited with 1')).toContain(
      'port 7239 (one of its internal ports)',
    );
  });

  it('quotes the line when a port is in use but not named the usual way', () => {
    expect(explainStartFailure('fatal: membership: address already in use (7235)\n', ports, 'exited with 1')).toBe(
      'the Temporal dev server could not start, a port is already in use by another process: fatal: membership: address already in use (7235)',
    );
  });

  it('gives the last lines it printed for any other failure, and says so when it printed nothing', () => {
    const printed = Array.from({ length: 9 }, (_, i) => `line ${i}`).join('\n');
    expect(explainStartFailure(printed, ports, 'exited with 1')).toBe('the Temporal dev server exited with 1; it printed:\nline 4\nline 5\nline 6\nline 7\nline 8');
    expect(explainStartFailure('', ports, 'did not listen on 127.0.0.1:7233 within 30 s')).toBe(
      'the Temporal dev server did not listen on 127.0.0.1:7233 within 30 s',
    );
  });
});
