// The catalog in a real browser (headless Chromium): every page shows the repo served, freshness comes from
// /freshness, and the lookup form's answer is the table of values and statuses. Screenshots of every page go to
// test-artifacts/ui/ (git-ignored) for a look by eye.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser, type Page } from './browser.js';
import { startUiEnv, type UiEnv } from './ui-env.js';

const ARTIFACTS = path.resolve('test-artifacts/ui');
let env: UiEnv;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Set while a test provokes a 400 on purpose: the browser logs every failed fetch as a console error. */
let expectingBadRequest = false;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  env = await startUiEnv();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // A Content-Security-Policy refusal or a failed script shows up only in the console.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !(expectingBadRequest && msg.text().includes('status of 400'))) pageErrors.push(msg.text());
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await env?.teardown();
});

async function open(name: string): Promise<void> {
  await page.goto(`${env.url}/ui#/${name}`);
  await page.locator(`#main[data-page="${name.split('/')[0]}"]`).waitFor();
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe('the web catalog in a browser', () => {
  it('lists entities and sources', async () => {
    await open('entities');
    const text = await page.locator('#entities').innerText();
    expect(text).toContain('user_id');
    expect(text).toContain('A shop customer');
    expect(await page.locator('#sources').innerText()).toContain('clicks_push');
    expect(await page.locator('#project').textContent()).toBe('project shop');
    await shot('entities');
  });

  it('shows each feature view with its features, dtypes, metadata and freshness status', async () => {
    await open('views');
    const userStats = page.locator('[data-view="user_stats"]');
    const text = await userStats.innerText();
    for (const expected of ['clicks', 'int64', 'avg_amount', 'float64', 'string[]', 'risk-team@shop.example', 'tier=gold', '0 * * * *', '2d', 'Clicks in the session']) {
      expect(text).toContain(expected);
    }
    expect(await userStats.locator('.freshness').getAttribute('data-status')).toBe('fresh');
    expect(await page.locator('[data-view="merchant_stats"] .freshness').getAttribute('data-status')).toBe('stale');
    expect(await page.locator('[data-view="user_profile"] .freshness').getAttribute('data-status')).toBe('unknown');
    expect(await page.locator('[data-view="user_profile"]').innerText()).toContain('never materialized');
    // Aggregation columns are named as the registry names them: `7d` kept, 3600 seconds written `1h`.
    const aggregated = await page.locator('[data-view="merchant_txns"] .features-table').innerText();
    for (const expected of ['txn_count_7d', 'txn_count_1h', 'amount_sum_7d', 'amount_sum_1h', 'sum(amount) over 3600']) expect(aggregated).toContain(expected);
    await shot('views');
  });

  it('shows feature services with their features and dtypes', async () => {
    await open('services');
    const text = await page.locator('[data-service="fraud_v1"]').innerText();
    expect(text).toContain('user_stats:avg_amount');
    expect(text).toContain('merchant_stats:rating');
    expect(text).toContain('risk-team');
    await shot('services');
  });

  it('shows on-demand views with their request fields and expressions', async () => {
    await open('on-demand');
    const text = await page.locator('[data-view="amount_check"]').innerText();
    expect(text).toContain('amount: float64');
    expect(text).toContain('amount / nullif(avg_amount, 0)');
    await shot('on-demand');
  });

  it('shows push sources with their batch source and the views they feed', async () => {
    await open('push-sources');
    const text = await page.locator('[data-source="clicks_push"]').innerText();
    expect(text).toContain('events');
    expect(text).toContain('user_stats');
    expect(text).toContain('Clicks streamed from the web shop');
    await shot('push-sources');
  });

  it('shows the stored registry history, newest version first', async () => {
    await open('history');
    const rows = await page.locator('#history tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('v2');
    expect(rows[0]).toContain('user_profile');
    expect(rows[1]).toContain('v1');
    expect(await page.locator('#main').innerText()).toContain('in sync');
    await shot('history');
  });

  it('looks up a feature service and shows values with their statuses', async () => {
    await open('lookup/fraud_v1');
    expect(await page.locator('#feature-row').isVisible()).toBe(false);
    await page.locator('#key-user_id').fill('1, 2, 3');
    await page.locator('#key-merchant_id').fill('m1, m2, m1');
    await page.locator('#lookup button[type=submit]').click();
    await page.locator('#answer-table').waitFor();
    const headers = await page.locator('#answer-table thead th').allInnerTexts();
    expect(headers.map((t) => t.toLowerCase())).toEqual(['user_id', 'merchant_id', 'avg_amount', 'clicks', 'rating']);
    const cells = (row: number): Promise<string[]> => page.locator(`#answer-table tbody tr:nth-child(${row}) td`).allInnerTexts();
    const [first, second, third] = [await cells(1), await cells(2), await cells(3)];
    expect(first[2]).toContain('2.5');
    expect(first[3]).toContain('12');
    expect(first[3]).toContain('PRESENT');
    expect(second[3]).toContain('NULL_VALUE');
    expect(second[4]).toContain('NOT_FOUND');
    expect(third[2]).toContain('NOT_FOUND');
    expect(third[4]).toContain('4.5');
    await shot('lookup');
  });

  it('looks up ticked features, on-demand ones with their request field, and shows API errors', async () => {
    await open('lookup');
    await page.locator('#mode').selectOption('features');
    expect(await page.locator('#service-row').isVisible()).toBe(false);
    await page.locator('input[value="amount_check:amount_ratio"]').check();
    await page.locator('#key-user_id').fill('1');
    await page.locator('#key-amount').fill('10');
    await page.locator('#lookup button[type=submit]').click();
    await page.locator('#answer-table').waitFor();
    // amount / avg_amount = 10 / 2.5
    expect(await page.locator('#answer-table thead th').allInnerTexts()).toEqual(['USER_ID', 'AMOUNT_RATIO']);
    expect(await page.locator('#answer-table tbody td:nth-child(2) .mono').innerText()).toBe('4');
    // One user but two amounts: the API's 400 is shown as it is.
    expectingBadRequest = true;
    await page.locator('#key-amount').fill('10, 20');
    await page.locator('#lookup button[type=submit]').click();
    await page.locator('#answer .error').waitFor();
    expect(await page.locator('#answer .error').innerText()).toContain('INVALID_REQUEST');
    await shot('lookup-error');
  });

  it('ran without script errors or refused resources', () => {
    expectingBadRequest = false;
    expect(pageErrors).toEqual([]);
  });
});
