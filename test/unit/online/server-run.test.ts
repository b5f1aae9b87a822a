// A watermark is refused when Redis restarted since the run's first write (its run_id changed): the rows written
// before the restart may be gone. test/faults/redis-kill.test.ts shows it end to end.
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { OnlineStoreUnavailableError } from '../../../src/online/errors.js';
import { checkSameServerRun, serverRunId } from '../../../src/online/server-run.js';

const RUN_A = 'a'.repeat(40);
const RUN_B = 'b'.repeat(40);
const infoClient = (info: () => Promise<string>): Redis => ({ info }) as unknown as Redis;
const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('the Redis server run a materialization wrote to', () => {
  it("reads run_id from INFO server's CRLF lines", async () => {
    const info = `# Server\r\nredis_version:7.0.15\r\nprocess_id:12\r\nrun_id:${RUN_A}\r\ntcp_port:6379\r\n`;
    expect(await serverRunId(infoClient(async () => info))).toBe(RUN_A);
  });

  it('is unknown (nothing checked) when INFO is denied or renamed', async () => {
    expect(await serverRunId(infoClient(() => Promise.reject(replyError("NOPERM this user has no permissions to run the 'info' command"))))).toBeUndefined();
  });

  it('passes a connection failure on, so the run fails as unavailable', async () => {
    await expect(serverRunId(infoClient(() => Promise.reject(new Error('Connection is closed.'))))).rejects.toThrow('Connection is closed.');
  });

  it('refuses the watermark, retryably, when the run id changed', () => {
    expect(() => checkSameServerRun('stats', RUN_A, RUN_B)).toThrow(OnlineStoreUnavailableError);
    expect(() => checkSameServerRun('stats', RUN_A, RUN_B)).toThrow(/Redis restarted while "stats" was being materialized/);
  });

  it('allows it when the run id is the same or unknown', () => {
    expect(() => checkSameServerRun('stats', RUN_A, RUN_A)).not.toThrow();
    expect(() => checkSameServerRun('stats', undefined, RUN_B)).not.toThrow();
    expect(() => checkSameServerRun('stats', RUN_A, undefined)).not.toThrow();
  });
});
