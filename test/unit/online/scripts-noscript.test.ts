// The last resort behind ioredis' NOSCRIPT handling: when its one resend of EVALSHA meets NOSCRIPT again (the script
// was flushed twice in a row, test/faults/script-flush.test.ts), the call goes out as EVAL with the script's text.
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { advanceWatermarkScript, WRITE_NEWER_LUA, writeNewer } from '../../../src/online/scripts.js';

const noscript = (): Error => Object.assign(new Error('NOSCRIPT No matching script. Please use EVAL.'), { name: 'ReplyError' });

function fakeClient(scriptCall: () => Promise<unknown>): { client: Redis; evalCalls: unknown[][] } {
  const evalCalls: unknown[][] = [];
  const client = {
    ffWriteNewer: vi.fn(scriptCall),
    ffAdvanceWatermark: vi.fn(scriptCall),
    eval: vi.fn(async (...args: unknown[]) => {
      evalCalls.push(args);
      return args[0] === WRITE_NEWER_LUA ? [2, 0] : '{"end":"x"}';
    }),
  };
  return { client: client as unknown as Redis, evalCalls };
}

describe('script calls whose script was flushed again before the resend', () => {
  it('writes the batch with EVAL and the script text', async () => {
    const { client, evalCalls } = fakeClient(() => Promise.reject(noscript()));
    expect(await writeNewer(client, ['k1', 'k2'], ['v1', '0', 'v2', '0'])).toEqual([2, 0]);
    expect(evalCalls).toEqual([[WRITE_NEWER_LUA, 2, 'k1', 'k2', 'v1', '0', 'v2', '0']]);
  });

  it('records the watermark with EVAL and the script text', async () => {
    const { client, evalCalls } = fakeClient(() => Promise.reject(noscript()));
    expect(await advanceWatermarkScript(client, 'wm', ['view', 'a'])).toBe('{"end":"x"}');
    expect(evalCalls[0]?.slice(1)).toEqual([1, 'wm', 'view', 'a']);
  });

  it('passes any other error on without a second attempt', async () => {
    const { client, evalCalls } = fakeClient(() => Promise.reject(new Error('Connection is closed.')));
    await expect(writeNewer(client, ['k'], ['v', '0'])).rejects.toThrow('Connection is closed.');
    expect(evalCalls).toEqual([]);
  });

  it('uses the script call alone when it succeeds', async () => {
    const { client, evalCalls } = fakeClient(() => Promise.resolve([1, 0]));
    expect(await writeNewer(client, ['k'], ['v', '0'])).toEqual([1, 0]);
    expect(evalCalls).toEqual([]);
  });
});
