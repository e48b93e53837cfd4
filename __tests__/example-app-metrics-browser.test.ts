import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import samples from '../example-app/samples.json';
import { describeWithChromium, launchChromium } from './helpers/browser';

// The inspector's metrics panel in a real browser: it must follow deliveries without a reload.

if (!existsSync(path.join(__dirname, '..', 'dist', 'metrics', 'index.js'))) {
  throw new Error('dist/ is missing: run npm run build first (the example app requires the built package).');
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleApp } = require('../example-app/app') as typeof import('../example-app/app');

// The page callbacks run in Chromium; this file is type-checked without the DOM library.
declare const document: { querySelectorAll(selector: string): ArrayLike<{ innerText: string }> };

const USER = 'metrics-user';
const AUTH = 'Metrics-Authorization-3e8d';
const headers = { 'Content-Type': 'application/json', UserName: USER, Authorization: AUTH };

describeWithChromium('inspector metrics panel in Chromium', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    browser = await launchChromium();
    const { app } = createExampleApp({ userName: USER, authorization: AUTH, inspector: { enabled: true }, log: () => undefined });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const deliver = async (payload: unknown) =>
    (await fetch(`${url}/webhook`, { method: 'POST', headers, body: JSON.stringify(payload) })).status;

  test('counts by type and outcome, handler and lag quantiles, updated as deliveries arrive', async () => {
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    expect(await page.isVisible('#stats-empty')).toBe(true);

    expect(await deliver(samples.inboundText)).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll('#stats-rows tr').length === 1);
    const first = await page.$$eval('#stats-rows tr td', (cells) =>
      cells.map((cell) => (cell as unknown as { innerText: string }).innerText),
    );
    expect(first.slice(0, 3)).toEqual(['whatsapp_mo_message_received', '1', 'received 1']);
    // Handlers that only log a line: under a few milliseconds; the sample's eventTime is years old.
    expect(first[3]).toMatch(/^\d+(\.\d+)? ms$/);
    expect(first.slice(5)).toEqual(['≥ 1 h', '≥ 1 h']);

    expect(await deliver(samples.inboundText)).toBe(200);
    expect(await deliver(samples.statusRead)).toBe(200);
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#stats-rows tr').length === 2 &&
        document.querySelectorAll('#stats-rows tr')[0]?.innerText.includes('duplicate 1'),
    );
    const rows = await page.$$eval('#stats-rows tr', (trs) =>
      trs.map((tr) => (tr as unknown as { innerText: string }).innerText.split('\t').slice(0, 3)),
    );
    expect(rows).toEqual([
      ['whatsapp_mo_message_received', '2', 'received 1 duplicate 1'],
      ['whatsapp_message_status_updated', '1', 'received 1'],
    ]);
    expect(await page.isVisible('#stats-empty')).toBe(false);
    await context.close();
  });
});
