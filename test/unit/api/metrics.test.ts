import { describe, expect, it } from 'vitest';
import { escapeLabel, LATENCY_BUCKETS, Metrics } from '../../../src/api/metrics.js';
import { mergeSnapshots, renderMetrics } from '../../../src/api/metrics-render.js';

// One sample line: name{labels} value. The text format allows nothing else outside # comments.
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? -?[0-9.e+-]+$/;

describe('metrics', () => {
  it('renders valid Prometheus text: HELP and TYPE per family, then samples', () => {
    const m = new Metrics();
    m.requestStarted();
    m.requestFinished('/get-online-features', 'POST', 200, 0.0004);
    m.storeError();
    m.valuesServed({ PRESENT: 3, NOT_FOUND: 1, NULL_VALUE: 0, OUTSIDE_MAX_AGE: 2 });
    const text = m.render();
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) expect(line).toMatch(/^# (HELP|TYPE) featureflow_[a-z_]+ .+$/);
      else expect(line).toMatch(SAMPLE);
    }
    expect(text).toContain('featureflow_http_requests_total{route="/get-online-features",method="POST",status="200"} 1');
    expect(text).toContain('featureflow_online_store_errors_total 1');
    expect(text).toContain('featureflow_feature_values_total{status="PRESENT"} 3');
    expect(text).toContain('featureflow_feature_values_total{status="OUTSIDE_MAX_AGE"} 2');
    expect(text).toContain('featureflow_http_requests_in_flight 0');
  });

  it('keeps latency buckets cumulative with +Inf equal to the count', () => {
    const m = new Metrics();
    for (const seconds of [0.00005, 0.0003, 0.002, 30]) {
      m.requestStarted();
      m.requestFinished('/ready', 'GET', 200, seconds);
    }
    const text = m.render();
    const bucket = (le: string): number =>
      Number(new RegExp(`duration_seconds_bucket\\{route="/ready",le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(text)?.[1]);
    expect(bucket('0.0001')).toBe(1);
    expect(bucket('0.0005')).toBe(2);
    expect(bucket('0.0025')).toBe(3);
    expect(bucket(String(LATENCY_BUCKETS.at(-1)))).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    expect(text).toContain('featureflow_http_request_duration_seconds_count{route="/ready"} 4');
  });

  it('sums the snapshots of several processes (serve --workers) into one scrape', () => {
    const [a, b] = [new Metrics(), new Metrics()];
    for (const [m, seconds] of [[a, 0.0004], [b, 0.0004], [b, 0.003]] as const) {
      m.requestStarted();
      m.requestFinished('/get-online-features', 'POST', 200, seconds);
    }
    b.requestStarted(); // still in flight
    a.rejected('read_queue');
    b.valuesServed({ PRESENT: 5, NOT_FOUND: 0, NULL_VALUE: 0, OUTSIDE_MAX_AGE: 0 });
    const sa = a.snapshot();
    const sb = b.snapshot();
    const text = renderMetrics(mergeSnapshots([sa, sb]));
    expect(text).toContain('featureflow_server_processes 2');
    expect(text).toContain('featureflow_http_requests_total{route="/get-online-features",method="POST",status="200"} 3');
    expect(text).toContain('featureflow_http_request_duration_seconds_bucket{route="/get-online-features",le="0.0005"} 2');
    expect(text).toContain('featureflow_http_request_duration_seconds_bucket{route="/get-online-features",le="0.005"} 3');
    expect(text).toContain('featureflow_http_requests_in_flight 1');
    expect(text).toContain('featureflow_http_rejected_total{reason="read_queue"} 1');
    expect(text).toContain('featureflow_feature_values_total{status="PRESENT"} 5');
    expect(text).toContain(`featureflow_process_memory_bytes{kind="rss"} ${sa.memory.rss + sb.memory.rss}`);
    // A snapshot is a copy: merging does not change the processes' own numbers.
    expect(a.render()).toContain('featureflow_http_requests_total{route="/get-online-features",method="POST",status="200"} 1');
  });

  it('reports how late the event loop is, not the sampling interval: about 0 when idle, the block when blocked', async () => {
    const metrics = new Metrics();
    metrics.watchEventLoop();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const idle = metrics.snapshot().loopDelay;
      // Sampled every 10 ms: the raw histogram reads >= ~10 ms even for an idle loop.
      expect(idle?.[0]).toBeLessThan(0.008);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const until = performance.now() + 120;
      while (performance.now() < until) {
        // hold the loop
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const blocked = metrics.snapshot().loopDelay;
      expect(blocked?.[2]).toBeGreaterThanOrEqual(0.1);
    } finally {
      metrics.unwatchEventLoop();
    }
  });

  it('escapes label values', () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
