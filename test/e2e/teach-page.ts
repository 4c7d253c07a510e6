/**
 * What the teaching e2e suites share: one server and one Chromium for a file, pages opened on a
 * query and waited for until the app is ready (a failing test leaves its screenshot and the page's
 * errors in test-results/), and the 7 drawn on a cleared pad.
 */
import { afterAll, beforeAll, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const RESULTS = join(REPO_ROOT, 'test-results');

export interface TeachPages {
  open(name: string, query: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** the server, for tests that ask it directly; set once beforeAll has run */
  readonly server: RunningServer;
}

/** Registers the file's beforeAll/afterAll (a server on a free port, one browser). */
export function useTeachPages(): TeachPages {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureWebBuild();
    server = await startServer({ port: 0, log: () => {} });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server(): RunningServer {
      if (!server) throw new Error('teach pages: the server starts in beforeAll');
      return server;
    },
    async open(name, query, viewport = { width: 1366, height: 900 }) {
      if (!browser || !server) throw new Error('teach pages: the browser starts in beforeAll');
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      onTestFailed(async () => {
        mkdirSync(RESULTS, { recursive: true });
        await page.screenshot({ path: join(RESULTS, `e2e-teach-${name}.png`), fullPage: true }).catch(() => {});
        if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
      });
      await page.goto(`${server.url}${query}`);
      await page.waitForFunction(() => window.__convscope?.ready === true, null, { timeout: 15_000 });
      return page;
    },
  };
}

/** Clears the pad and draws the 7, waiting until the app has read it. */
export async function drawSeven(page: Page): Promise<void> {
  await page.getByTestId('clear').click();
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
}
