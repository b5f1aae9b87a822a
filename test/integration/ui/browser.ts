// Headless Chromium for the catalog tests: Debian's chromium (installed with apt-get when missing) driven by
// playwright-core. playwright-core is loaded with require, typed by the few calls used here, so the type check
// passes on machines where it is not installed yet, and NODE_PATH can point at an install outside the repo.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export const CHROMIUM = '/usr/bin/chromium';

export interface Locator {
  textContent(): Promise<string | null>;
  innerText(): Promise<string>;
  isVisible(): Promise<boolean>;
  nth(index: number): Locator;
  locator(selector: string): Locator;
  getAttribute(name: string): Promise<string | null>;
  waitFor(options?: { state?: 'attached' | 'visible'; timeout?: number }): Promise<void>;
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  check(): Promise<void>;
  selectOption(value: string): Promise<unknown>;
  allInnerTexts(): Promise<string[]>;
}

export interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: 'pageerror', listener: (err: Error) => void): void;
  on(event: 'console', listener: (msg: { type(): string; text(): string }) => void): void;
  setDefaultTimeout(ms: number): void;
}

export interface Browser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

interface PlaywrightCore {
  chromium: { launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser> };
}

/** Installs Debian's chromium only when it is not there yet (needs root, as on CI and the dev containers). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000 });
}

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  let playwright: PlaywrightCore;
  try {
    playwright = createRequire(import.meta.url)('playwright-core') as PlaywrightCore;
  } catch (err) {
    throw new Error(`the catalog's browser test needs playwright-core (a devDependency): run npm install (${(err as Error).message})`);
  }
  return playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}
