// Featureflow's Temporal connection settings against a real server behind mutual TLS: a worker configured by the
// TEMPORAL_* variables and a client configured by flags run a workflow; clients without an accepted certificate are
// refused with an error naming the server and how it was reached. `temporal server start-dev` has no TLS options, so
// a TLS front (test/helpers/tls-proxy.ts) terminates TLS and checks client certificates in front of it.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTemporal } from '../../src/cli/demo-temporal.js';
import { connectClient } from '../../src/client/connection.js';
import { resolveTemporalTarget, type TemporalTarget } from '../../src/client/temporal-target.js';
import { FeatureflowError } from '../../src/registry/errors.js';
import { createSmokeActivities } from './fixtures/smoke-activities.js';
import { smokeWorkflow } from './fixtures/smoke-workflows.js';
import { FRAUD_JSON } from '../fixtures/repos/helpers.js';
import { startDevServer } from '../helpers/temporal-env.js';
import { makeTestCerts, type TestCerts } from '../helpers/test-certs.js';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.js';

// Not the address's host (127.0.0.1): the connection must check the certificate against TEMPORAL_TLS_SERVER_NAME.
const SERVER_NAME = 'temporal.featureflow.test';

describe('Temporal over mutual TLS', () => {
  let env: TestWorkflowEnvironment | undefined;
  let certs: TestCerts | undefined;
  let proxy: TlsProxy | undefined;

  beforeAll(async () => {
    certs = makeTestCerts(SERVER_NAME);
    env = await startDevServer();
    proxy = await startTlsProxy({ target: env.address, cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert });
  });

  afterAll(async () => {
    await proxy?.close();
    await env?.teardown();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  /** Flags as a command line gives them; the shell's TEMPORAL_* variables are left out so the test is the same anywhere. */
  function flags(extra: TemporalTarget): TemporalTarget {
    return { address: proxy!.address, tlsCaPath: certs!.caCert, tlsServerName: SERVER_NAME, environment: false, ...extra };
  }

  async function refusal(target: TemporalTarget): Promise<FeatureflowError> {
    const refusedBefore = proxy!.refused;
    const err = await connectClient(target).then(
      async (client) => {
        await client.connection.close();
        throw new Error('expected the connection to be refused');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FeatureflowError);
    expect(proxy!.refused).toBeGreaterThan(refusedBefore);
    return err as FeatureflowError;
  }

  it('runs a workflow with a worker configured by TEMPORAL_* variables and a client configured by flags', async () => {
    const c = certs!;
    const workerTarget = resolveTemporalTarget({}, {
      TEMPORAL_ADDRESS: proxy!.address,
      TEMPORAL_TLS_CLIENT_CERT_PATH: c.clientCert,
      // Inline, as a secret store would hand it over.
      TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(c.clientKey, 'utf8'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: c.caCert,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    });
    expect(workerTarget.security).toBe('TLS, client certificate, own server CA');
    const connection = await NativeConnection.connect(workerTarget.connection);
    const client = await connectClient(flags({ tlsCertPath: c.clientCert, tlsKeyPath: c.clientKey }));
    try {
      const taskQueue = `tls-${randomUUID()}`;
      const worker = await Worker.create({
        connection,
        taskQueue,
        workflowsPath: fileURLToPath(new URL('./fixtures/smoke-workflows.ts', import.meta.url)),
        activities: createSmokeActivities({ from: 'activity' }),
      });
      const result = await worker.runUntil(
        client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: `tls-${randomUUID()}`, args: [{ name: 'mtls' }] }),
      );
      expect(result).toEqual({ fromActivity: 'hello mtls from activity', fromWorkflow: 'hello mtls from workflow' });
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });

  it('refuses a client without a client certificate, naming the server and that TLS was used', async () => {
    const err = await refusal(flags({}));
    expect(err.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(err.message).toContain(`cannot reach the Temporal server at ${proxy!.address} (TLS, own server CA;`);
  });

  it('refuses a client whose certificate no trusted CA signed', async () => {
    const err = await refusal(flags({ tlsCertPath: certs!.strangerCert, tlsKeyPath: certs!.strangerKey }));
    expect(err.message).toContain(`${proxy!.address} (TLS, client certificate, own server CA;`);
  });

  it('does not connect when the server certificate does not carry the expected name', async () => {
    const err = await refusal(flags({ tlsCertPath: certs!.clientCert, tlsKeyPath: certs!.clientKey, tlsServerName: 'elsewhere.test' }));
    expect(err.code).toBe('TEMPORAL_UNAVAILABLE');
  });

  it("gives the demo's worker (src/worker.ts) and client a server of its own over mTLS, and starts no dev server", async () => {
    const repoDir = mkdtempSync(path.join(os.tmpdir(), 'ff-tls-repo-'));
    copyFileSync(FRAUD_JSON, path.join(repoDir, 'featureflow.json'));
    const server = flags({ tlsCertPath: certs!.clientCert, tlsKeyPath: certs!.clientKey });
    const temporal = await startDemoTemporal(path.join(repoDir, 'featureflow.json'), { server, taskQueue: `demo-${randomUUID()}` });
    try {
      expect(temporal.dev).toMatchObject({ address: proxy!.address, started: false });
      expect(temporal.worker.address).toBe(proxy!.address);
      // Reaching the server through the TLS front: an id nobody started is not found there.
      await expect(temporal.client.workflow.getHandle(`none-${randomUUID()}`).describe()).rejects.toThrow(/not found/i);
    } finally {
      await temporal.stop();
      rmSync(repoDir, { recursive: true, force: true });
    }
  });
});
