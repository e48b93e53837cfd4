import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import samples from '../example-app/samples.json';
import { describeWithChromium, launchChromium } from './helpers/browser';

// The inspector page in a real browser: deliveries arrive over HTTP and must show up without a reload.

const ROOT = path.join(__dirname, '..');
if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) {
  throw new Error('dist/index.js is missing: run npm run build first (the example app requires the built package).');
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleApp } = require('../example-app/app') as typeof import('../example-app/app');

// The page callbacks below run in Chromium, but this file is type-checked without the DOM library:
// these module-local declarations give them just what they use.
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};
declare const window: Record<string, unknown>;
type PageElement = { innerText: string; cells: ArrayLike<{ innerText: string }> };

const USER = 'inspector-user';
const AUTH = 'Inspector-Authorization-91b7';
const webhookHeaders = { 'Content-Type': 'application/json', UserName: USER, Authorization: AUTH };

interface Running {
  url: string;
  server: Server;
}

async function serve(now?: () => Date): Promise<Running> {
  const { app } = createExampleApp({
    userName: USER,
    authorization: AUTH,
    inspector: { enabled: true, now },
    log: () => undefined,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function deliver(url: string, payload: unknown, headers: Record<string, string> = webhookHeaders): Promise<number> {
  const response = await fetch(`${url}/webhook`, { method: 'POST', headers, body: JSON.stringify(payload) });
  await response.arrayBuffer();
  return response.status;
}

async function openInspector(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');
  return page;
}

/**
 * Opens the inspector in a new tab of `context`, counting the requests it makes to the event stream
 * (EventSource's reconnections included). `timeout` bounds the navigation, so that a tab the browser
 * cannot open fails the test with a message instead of running into the test's own timeout.
 */
async function openCountingStreams(context: BrowserContext, url: string, timeout = 10_000) {
  const page = await context.newPage();
  let streams = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/inspector/events') streams += 1;
  });
  await page.goto(`${url}/`, { timeout });
  await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live', undefined, { timeout });
  return { page, streams: () => streams };
}

const rowCount = (page: Page, count: number) =>
  page.waitForFunction((n) => document.querySelectorAll('#deliveries tr').length === n, count);

/** Each row's cells but the time: event type, message type, status, outcome and problems. */
const rowTexts = (page: Page) =>
  page.$$eval('#deliveries tr', (rows) =>
    rows.map((row) =>
      Array.from((row as unknown as PageElement).cells)
        .slice(1)
        .map((cell) => cell.innerText.trim()),
    ),
  );

/** The metrics panel's rows: event type, number of events, outcomes. */
const statsTexts = (page: Page) =>
  page.$$eval('#stats-rows tr', (rows) =>
    rows.map((row) => Array.from((row as unknown as PageElement).cells, (cell) => cell.innerText.trim()).slice(0, 3)),
  );

/**
 * Waits for the metrics panel to count `count` events in all. The panel also polls every 5 s; the
 * deadline is shorter, so that it is the event stream that updates it.
 */
const statsTotal = (page: Page, count: number) =>
  page.waitForFunction(
    (n) =>
      Array.from(document.querySelectorAll('#stats-rows tr') as unknown as ArrayLike<PageElement>, (row) =>
        Number(row.cells[1]?.innerText),
      ).reduce((sum, events) => sum + events, 0) === n,
    count,
    { timeout: 4_000 },
  );

/** Each message row's cells but the time: message id, latest status, reports, last report. */
const messageTexts = (page: Page) =>
  page.$$eval('#messages tr', (rows) =>
    rows.map((row) =>
      Array.from((row as unknown as PageElement).cells)
        .slice(0, -1)
        .map((cell) => cell.innerText.trim()),
    ),
  );

describeWithChromium('inspector page in Chromium', () => {
  let browser: Browser;
  const servers: Server[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    // Unset when the launch failed.
    await (browser as Browser | undefined)?.close();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function start(now?: () => Date) {
    const running = await serve(now);
    servers.push(running.server);
    return running;
  }

  test('without the right credentials the page is refused', async () => {
    const { url } = await start();
    for (const httpCredentials of [undefined, { username: USER, password: 'wrong' }]) {
      const context = await browser.newContext({ httpCredentials });
      const page = await context.newPage();
      // With no credentials to offer, headless Chromium fails the navigation instead of prompting.
      const response = await page
        .goto(`${url}/`)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (response instanceof Error) expect(response.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
      else expect(response?.status()).toBe(401);
      // The context's own requests carry the same credentials (or none): the data is refused too.
      expect((await context.request.get(`${url}/inspector/deliveries`)).status()).toBe(401);
      await context.close();
    }
  });

  test('deliveries appear live, newest first; a detail shows the pretty payload; a rejected one its problems', async () => {
    const { url } = await start();
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    const page = await openInspector(context, url);
    await page.evaluate(() => {
      window.loadedOnce = true;
    });

    expect(await deliver(url, samples.inboundText)).toBe(200);
    await rowCount(page, 1);
    expect(await rowTexts(page)).toEqual([['whatsapp_mo_message_received', 'text', '200', 'handled']]);

    expect(await deliver(url, samples.statusRead)).toBe(200);
    expect(await deliver(url, samples.invalidStatus)).toBe(400);
    await rowCount(page, 3);
    expect(await rowTexts(page)).toEqual([
      [
        'whatsapp_message_status_updated',
        '',
        '400',
        "invalid_event\n/body must have required property 'wamid'\n/body/status must be string",
      ],
      ['whatsapp_message_status_updated', '', '200', 'handled'],
      ['whatsapp_mo_message_received', 'text', '200', 'handled'],
    ]);

    await page.click('#deliveries tr:nth-child(3)');
    await page.waitForFunction(() => document.getElementById('detail-title')?.textContent === 'Delivery #1');
    expect(await page.isVisible('#detail')).toBe(true);
    expect(await page.textContent('#detail-payload')).toBe(JSON.stringify(samples.inboundText, null, 2));
    expect(await page.isVisible('#detail-problems-block')).toBe(false);

    await page.click('#deliveries tr:nth-child(1)');
    await page.waitForFunction(() => document.getElementById('detail-title')?.textContent === 'Delivery #3');
    expect(
      await page.$$eval('#detail-problems li', (items) => items.map((item) => (item as unknown as PageElement).innerText)),
    ).toEqual(["/body must have required property 'wamid'", '/body/status must be string']);
    expect(await page.textContent('#detail-payload')).toBe(JSON.stringify(samples.invalidStatus, null, 2));

    // A 401 is listed too, without any payload (the body is never read) and without the headers.
    expect(await deliver(url, samples.chatMo, { ...webhookHeaders, Authorization: 'not-the-secret' })).toBe(401);
    await rowCount(page, 4);
    expect((await rowTexts(page))[0]).toEqual(['—', '', '401', 'UserName/Authorization did not match']);
    expect(await page.content()).not.toContain('not-the-secret');

    expect(await page.evaluate(() => window.loadedOnce)).toBe(true);
    await context.close();
  });

  test("each message's latest status, live: a report that arrives after a newer one does not replace it", async () => {
    const { url } = await start();
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    const page = await openInspector(context, url);
    expect(await page.isVisible('#messages-empty')).toBe(true);
    const message = samples.statusRead.body.id;

    expect(await deliver(url, samples.statusRead)).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll('#messages tr').length === 1);
    expect(await messageTexts(page)).toEqual([[message, 'read', '1', 'read']]);
    expect(await page.isVisible('#messages-empty')).toBe(false);

    // `delivered` arrives after `read`: the row counts it, and still shows read.
    expect(await deliver(url, samples.statusDelivered)).toBe(200);
    await rowCount(page, 2);
    await page.waitForFunction(() => document.getElementById('messages')?.textContent?.includes('not kept'));
    expect(await messageTexts(page)).toEqual([[message, 'read', '2', 'delivered (older: not kept)']]);

    // A failure replaces it; a later `delivered` does not replace the failure.
    expect(await deliver(url, samples.statusFailed)).toBe(200);
    expect(await deliver(url, { ...samples.statusDelivered, id: 'delivered-again' })).toBe(200);
    await rowCount(page, 4);
    await page.waitForFunction(() => document.getElementById('messages')?.textContent?.includes('failed'));
    expect(await messageTexts(page)).toEqual([[message, 'failed error 131014', '4', 'delivered (older: not kept)']]);

    // A page opened now gets the same state from the snapshot.
    const fresh = await openInspector(context, url);
    await fresh.waitForFunction(() => document.querySelectorAll('#messages tr').length === 1);
    expect(await messageTexts(fresh)).toEqual([[message, 'failed error 131014', '4', 'delivered (older: not kept)']]);
    await context.close();
  });

  // Chromium keeps at most 6 HTTP/1.1 connections per host, and an event stream holds one for as long
  // as the page is open: with a stream per script, three tabs took them all, a fourth never loaded and
  // the first one's detail (a fetch) waited for a free connection.
  test('four tabs at once: one event stream each, all live; a detail and the metrics still load', async () => {
    const { url } = await start();
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    // One after the other, as a user would: before the fix, the fourth one's navigation timed out.
    const first = await openCountingStreams(context, url);
    const second = await openCountingStreams(context, url);
    const third = await openCountingStreams(context, url);
    const fourth = await openCountingStreams(context, url);
    const tabs = [first, second, third, fourth];

    expect(await deliver(url, samples.inboundText)).toBe(200);
    for (const { page } of tabs) {
      await rowCount(page, 1);
      expect(await rowTexts(page)).toEqual([['whatsapp_mo_message_received', 'text', '200', 'handled']]);
    }

    await first.page.click('#deliveries tr:nth-child(1)');
    await first.page.waitForFunction(() => document.getElementById('detail-title')?.textContent === 'Delivery #1', undefined, {
      timeout: 5_000,
    });
    expect(await first.page.textContent('#detail-payload')).toBe(JSON.stringify(samples.inboundText, null, 2));

    await statsTotal(fourth.page, 1);
    expect(await deliver(url, samples.statusRead)).toBe(200);
    await statsTotal(fourth.page, 2);
    // The most events first, then by name.
    expect(await statsTexts(fourth.page)).toEqual([
      ['whatsapp_message_status_updated', '1', 'received 1'],
      ['whatsapp_mo_message_received', '1', 'received 1'],
    ]);

    expect(tabs.map(({ streams }) => streams())).toEqual([1, 1, 1, 1]);
    await context.close();
  }, 60_000);

  test('a dropped stream: the page says so, reconnects, and reloads the list and the metrics', async () => {
    const { url, server } = await start();
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    const { page, streams } = await openCountingStreams(context, url);
    expect(await deliver(url, samples.inboundText)).toBe(200);
    await rowCount(page, 1);
    await statsTotal(page, 1);
    expect(streams()).toBe(1);

    server.closeAllConnections();
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'reconnecting…');
    // The server asks for a retry after 2 s: this delivery is made while the page has no stream.
    expect(await deliver(url, samples.statusRead)).toBe(200);
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'live');
    await rowCount(page, 2);
    expect((await rowTexts(page)).map((cells) => cells[0])).toEqual([
      'whatsapp_message_status_updated',
      'whatsapp_mo_message_received',
    ]);
    await statsTotal(page, 2);
    expect(streams()).toBe(2);
    await context.close();
  });

  test('markup in a payload stays text', async () => {
    const { url } = await start();
    const context = await browser.newContext({ httpCredentials: { username: USER, password: AUTH } });
    const page = await openInspector(context, url);
    const attack = '<img src=x onerror="window.pwned=1">';
    const event = {
      ...samples.inboundText,
      id: 'xss-1',
      body: { ...samples.inboundText.body, type: attack, text: { body: `<script>window.pwned=2</script>${attack}` } },
    };
    expect(await deliver(url, { ...samples.accountReview, id: 'xss-0', type: attack })).toBe(200);
    expect(await deliver(url, event)).toBe(200);
    await rowCount(page, 2);
    expect((await rowTexts(page)).map((cells) => cells.slice(0, 2))).toEqual([
      ['whatsapp_mo_message_received', attack],
      [attack, ''],
    ]);
    await page.click('#deliveries tr:nth-child(1)');
    await page.waitForFunction(() => document.getElementById('detail-payload')?.textContent?.includes('pwned=2'));
    expect(await page.evaluate(() => window.pwned)).toBeUndefined();
    expect(await page.$$('main img, main script')).toHaveLength(0);
    await context.close();
  });

  // The screenshot of the README: rewritten with UPDATE_SCREENSHOT=1 (font rendering differs slightly
  // between Chromium builds, so an ordinary test run writes a scratch copy and leaves the tree clean).
  test('a realistic list, screenshotted for docs/inspector.png', async () => {
    // A pinned clock, zone and viewport keep the screenshot the same from one run to the next.
    let tick = 0;
    const { url } = await start(() => new Date(Date.UTC(2025, 2, 14, 9, 41, 2) + (tick += 1) * 7_300));
    const context = await browser.newContext({
      httpCredentials: { username: USER, password: AUTH },
      viewport: { width: 1360, height: 720 },
      deviceScaleFactor: 1,
      timezoneId: 'UTC',
      locale: 'en-GB',
    });
    const page = await openInspector(context, url);
    const deliveries: [unknown, number, Record<string, string>?][] = [
      [{}, 200],
      [samples.templateStatus, 200],
      [samples.inboundText, 200],
      [samples.statusDelivered, 200],
      [samples.statusRead, 200],
      [samples.chatMo, 401, { ...webhookHeaders, Authorization: 'wrong' }],
      [samples.inboundImage, 200],
      [samples.invalidStatus, 400],
      [samples.inboundText, 200],
      // A `delivered` that arrives after `read`: the message keeps read.
      [{ ...samples.statusDelivered, id: 'f3a1c0de-5b7e-4d2a-9c61-0e8b7d4a2f19' }, 200],
    ];
    for (const [payload, status, headers] of deliveries) expect(await deliver(url, payload, headers)).toBe(status);
    await rowCount(page, deliveries.length);
    await page.click('#deliveries tr:nth-child(8)');
    await page.waitForFunction(() => document.getElementById('detail-title')?.textContent === 'Delivery #3');
    await page.mouse.move(0, 0);
    const target = process.env.UPDATE_SCREENSHOT
      ? path.join(ROOT, 'docs', 'inspector.png')
      : path.join(mkdtempSync(path.join(tmpdir(), 'inspector-')), 'inspector.png');
    mkdirSync(path.dirname(target), { recursive: true });
    const png = await page.screenshot({ path: target, animations: 'disabled' });
    // A PNG of the pinned viewport: 1360 × 720 in the IHDR chunk.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1360, 720]);
    await context.close();
  });
});
