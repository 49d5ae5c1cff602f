import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from './support/browser.js';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startService, type TestService } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed, type Fields } from './support/zego.js';

/**
 * The live page in headless Chromium: callbacks ingested while it is open must show up without
 * a reload, in the rooms list and in the open room, and survive the service restarting.
 */

const TOKEN = 'page-token';
// API tokens are enforced once the service implements them; the page must send one either way.
const SERVICE_ENV = { API_TOKENS: `${TOKEN}:presence+history` };
const POLL = { timeout: 15_000, interval: 100 };

describe.each(databaseTargets())('the live page ($name)', (target) => {
  let database: TestDatabase;
  let service: TestService;
  let browser: Browser;
  const started = Date.now() - 10 * 60_000;
  const at = (offsetS: number) => started + offsetS * 1000;
  const lobby = { roomId: 'lobby', seq: '18446744073709551557' };
  const stage = { roomId: 'stage', seq: '6085791336856668982' };

  const ingest = async (fields: Fields) => {
    const answer = await postCallback(service.url, signed(fields));
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    database = await target.create();
    service = await startService(database.handle, SERVICE_ENV);
    browser = await launchChromium();
    await ingest(loginEvent({ ...lobby, user: 'alice', nickname: 'Alice', session: '9007199254740993', at: at(0), role: 1, updateSeq: 1 }));
    await ingest(loginEvent({ ...stage, user: 'bob', nickname: 'Bob', session: '9007199254740995', at: at(1), role: 1, updateSeq: 1 }));
    await ingest(loginEvent({ ...stage, user: 'carol', nickname: 'Carol', session: '9007199254740997', at: at(2), role: 4, updateSeq: 2 }));
  });
  afterAll(async () => {
    await browser?.close();
    await service?.app.stop();
    await database?.dispose();
  });

  /** A page that records what it sends and any error it meets. */
  async function openPage(path: string) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    const problems: string[] = [];
    const httpAuthorizations: (string | undefined)[] = [];
    const socketMessages: Record<string, any>[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/graphql') httpAuthorizations.push(request.headers().authorization);
    });
    page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => socketMessages.push(JSON.parse(String(payload)))));
    await page.goto(`${service.url}${path}`);
    await page.evaluate('window.sameDocument = true');
    return { page, problems, httpAuthorizations, socketMessages };
  }

  const applyToken = async (page: Page) => {
    await page.fill('#settings input[name=token]', TOKEN);
    await page.click('#settings button[type=submit]');
  };
  const roomOrder = (page: Page) => page.locator('#room-list button.room').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-room-id')));
  const listCount = (page: Page, roomId: string) =>
    page.locator(`#room-list button.room[data-room-id="${roomId}"] .count`).evaluateAll((counts) => counts[0]?.getAttribute('data-count') ?? null);
  const roomCount = (page: Page) => page.locator('#room h2 .count').evaluateAll((counts) => counts[0]?.getAttribute('data-count') ?? null);
  const members = (page: Page) =>
    page
      .locator('#room table.members tr[data-user]')
      .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-user'), row.querySelector('.nickname')?.textContent, row.querySelector('.role')?.textContent]));
  const logouts = (page: Page) =>
    page
      .locator('#room table.logouts tr[data-user]')
      .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-user'), row.getAttribute('data-reason'), row.querySelector('.reason')?.textContent]));
  const isSameDocument = (page: Page) => page.evaluate('window.sameDocument === true');

  it('lists rooms by occupancy and keeps a room\'s members and logouts live, without a reload', async () => {
    const { page, problems, httpAuthorizations, socketMessages } = await openPage('/');
    await applyToken(page);
    await expect.poll(() => page.getAttribute('#status', 'data-state'), POLL).toBe('live');
    await expect.poll(() => roomOrder(page), POLL).toEqual(['stage', 'lobby']);
    // A room born while the page is open joins the list by itself (checked at the end: the list is re-read every few seconds).
    await ingest(loginEvent({ roomId: 'pop-up', seq: '42', user: 'zoe', nickname: 'Zoë', session: '9007199254741001', at: at(30), role: 1, updateSeq: 1 }));
    expect(await listCount(page, 'lobby')).toBe('1');

    await page.click('#room-list button.room[data-room-id="lobby"]');
    await expect.poll(() => members(page), POLL).toEqual([['alice', 'Alice', 'host']]);
    expect(await page.getAttribute('#room tr[data-user="alice"] td.since', 'data-since')).toBe(new Date(at(0)).toISOString());
    expect(await page.textContent('#room tr[data-user="alice"] td.since')).toMatch(/\d+ min \d+ s ago$/);
    expect(new URL(page.url()).hash).toBe('#room=lobby');

    await ingest(loginEvent({ ...lobby, user: 'dave', nickname: 'Dave 🎧', session: '9007199254740999', at: at(60), role: 2, updateSeq: 2 }));
    await expect.poll(() => listCount(page, 'lobby'), POLL).toBe('2');
    await expect.poll(() => roomCount(page), POLL).toBe('2');
    await expect.poll(() => members(page), POLL).toEqual([['alice', 'Alice', 'host'], ['dave', 'Dave 🎧', 'audience']]);
    // Two members each: the tie goes by room id.
    await expect.poll(() => roomOrder(page), POLL).toEqual(['lobby', 'stage']);

    await ingest(logoutEvent({ ...lobby, user: 'dave', nickname: 'Dave 🎧', session: '9007199254740999', loginAt: at(60), at: at(150), reason: 3, role: 2, updateSeq: 3 }));
    await expect.poll(() => listCount(page, 'lobby'), POLL).toBe('1');
    await expect.poll(() => members(page), POLL).toEqual([['alice', 'Alice', 'host']]);
    await expect.poll(() => logouts(page), POLL).toEqual([['dave', 'KICKED_OUT', 'Kicked out']]);
    expect(await page.textContent('#room table.logouts')).toContain('1 min 30 s');

    await expect.poll(() => listCount(page, 'pop-up'), POLL).toBe('1');

    expect(await isSameDocument(page)).toBe(true);
    expect(problems).toEqual([]);
    // The token goes in the Authorization header over HTTP and in connection_init over WebSocket.
    expect(httpAuthorizations.at(-1)).toBe(`Bearer ${TOKEN}`);
    const inits = socketMessages.filter((message) => message.type === 'connection_init');
    expect(inits.at(-1)?.payload).toEqual({ authorization: `Bearer ${TOKEN}` });
    await page.screenshot({ path: await artifactPath(`live-page-${target.name}.png`), fullPage: true });
    await page.close();
  });

  it('resumes the open room from its cursor when the service comes back, missing nothing', async () => {
    const { page, problems, socketMessages } = await openPage('/#room=lobby');
    await applyToken(page);
    await expect.poll(() => members(page), POLL).toEqual([['alice', 'Alice', 'host']]);
    await expect.poll(() => page.getAttribute('#status', 'data-state'), POLL).toBe('live');

    await service.app.stop();
    await expect.poll(() => page.getAttribute('#status', 'data-state'), POLL).not.toBe('live');
    const sentBeforeRestart = socketMessages.length;
    service = await startService(database.handle, { ...SERVICE_ENV, PORT: String(service.port) });
    await ingest(loginEvent({ ...lobby, user: 'erin', nickname: 'Erin', session: '9007199254741003', at: at(300), role: 2, updateSeq: 4 }));

    await expect.poll(() => members(page), POLL).toEqual([['alice', 'Alice', 'host'], ['erin', 'Erin', 'audience']]);
    await expect.poll(() => listCount(page, 'lobby'), POLL).toBe('2');
    const resubscribed = socketMessages
      .slice(sentBeforeRestart)
      .filter((message) => message.type === 'subscribe' && /LiveRoomMembers/.test(message.payload.query));
    expect(resubscribed.length).toBeGreaterThan(0);
    expect(resubscribed.every((message) => typeof message.payload.variables.after === 'string' && message.payload.variables.withMembers === false)).toBe(true);
    expect(await isSameDocument(page)).toBe(true);
    // The dropped socket is reported by Chromium; nothing else may go wrong.
    expect(problems.filter((problem) => !/WebSocket/.test(problem))).toEqual([]);
    await page.close();
  });

  it('is served outside production, and in production only with LIVE_PAGE on', async () => {
    const inProduction = await startService(database.handle, { NODE_ENV: 'production', PORT: '0' });
    const enabled = await startService(database.handle, { NODE_ENV: 'production', LIVE_PAGE: 'on', PORT: '0' });
    try {
      expect((await fetch(`${service.url}/`)).status).toBe(200);
      expect((await fetch(`${inProduction.url}/`)).status).toBe(404);
      expect((await fetch(`${inProduction.url}/live/app.js`)).status).toBe(404);
      const page = await fetch(`${enabled.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect((await fetch(`${enabled.url}/live/graphql-ws.js`)).status).toBe(200);
      expect((await fetch(`${enabled.url}/live/missing.js`)).status).toBe(404);
    } finally {
      await inProduction.app.stop();
      await enabled.app.stop();
    }
  });
});
