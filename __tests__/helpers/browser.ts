import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import playwrightPackage from 'playwright-core/package.json';
import { describeFromNode, minimumNodeMajor, NODE_MAJOR } from './node-line';

/** Debian's package (`apt-get install chromium`); CI installs it, see .ci/run. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * This network is closed: without these flags Chromium tries to reach Google for updates, sync and
 * field trials, and waits on it. It runs as root in CI, hence no sandbox. (Playwright itself gives
 * each launch a fresh temporary profile, i.e. a new --user-data-dir.)
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * `describe` when Chromium is installed and this Node runs playwright-core. Without Chromium the suite
 * is skipped with a printed reason on a developer's machine, but fails in CI (`CI=true`), where a
 * silently skipped browser test would look like a passing one. On a Node line older than
 * playwright-core's engines (18) it is skipped with the reason printed, in CI too.
 */
export function describeWithChromium(name: string, body: () => void): void {
  // playwright-core ends the process (jest included) when it is loaded on a Node older than its engines
  // admit: it is loaded only in launchChromium(), and only on the Node lines it runs on.
  const { engines } = playwrightPackage;
  const major = minimumNodeMajor(engines.node);
  if (NODE_MAJOR < major) {
    describeFromNode(major, `playwright-core, which drives Chromium, needs Node ${engines.node}`, name, body);
    return;
  }
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `${CHROMIUM_PATH} not found (install it with: apt-get install chromium)`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('needs Chromium', () => {
        throw new Error(`${reason}; CI must run the browser tests.`);
      });
    });
    return;
  }
  console.warn(`Skipping "${name}": ${reason}.`);
  describe.skip(name, body);
}

export function launchChromium(): Promise<Browser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded late, see describeWithChromium
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}
