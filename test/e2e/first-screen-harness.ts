/**
 * What the first-screen and phone tests share: the server on a free port serving the built app
 * (CONVSCOPE_WEB_DIR points it at another build, e.g. of an older commit, to watch a test fail
 * before its fix), a fresh page per test with its screenshot kept on failure, and drawing with
 * touch events through the DevTools protocol (Playwright's touchscreen only taps).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFailed } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { ensureWebBuild, type Stroke } from './browser.js';

const RESULTS = join(REPO_ROOT, 'test-results');

export async function startExplorer(): Promise<RunningServer> {
  const webDir = process.env['CONVSCOPE_WEB_DIR'];
  if (!webDir) ensureWebBuild();
  return startServer({ port: 0, log: () => {}, ...(webDir ? { webDir } : {}) });
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  context?: BrowserContextOptions;
  /** wait until a model is loaded and the kernels chosen (default true) */
  ready?: boolean;
  /** not in a vitest test (the screenshot script): no screenshot-on-failure hook */
  outsideTest?: boolean;
  /** runs before the page is loaded (routes, network emulation) */
  before?: (page: Page) => Promise<void>;
}

export async function openPage(browser: Browser, server: RunningServer, name: string, query: string, opts: OpenOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1366, height: 900 }, ...opts.context });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // inside a test, keep a screenshot if it fails (the screenshot script calls this outside any test)
  if (!opts.outsideTest) {
    onTestFailed(async () => {
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, `e2e-${name}.png`), fullPage: true }).catch(() => {});
      if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
    });
  }
  await opts.before?.(page);
  await page.goto(`${server.url}${query}`);
  if (opts.ready ?? true) {
    await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 20_000 });
  }
  return page;
}

/** Sum of the 28×28 input the network receives (0 when it is blank), read from the input canvas. */
export function inputInk(page: Page): Promise<number> {
  return page.getByTestId('input-28').evaluate((c) => {
    const d = (c as HTMLCanvasElement).getContext('2d')?.getImageData(0, 0, 28, 28).data;
    let s = 0;
    if (d) for (let i = 0; i < d.length; i += 4) s += d[i];
    return s / 255;
  });
}

/** Draws strokes on the pad with one finger: touchStart, touchMoves in small steps, touchEnd. */
export async function touchStrokes(page: Page, strokes: readonly Stroke[]): Promise<void> {
  const box = await page.getByTestId('drawpad').boundingBox();
  if (!box) throw new Error('the drawing pad is not visible');
  const cdp = await page.context().newCDPSession(page);
  const at = (p: readonly [number, number]) => ({ x: box.x + p[0] * box.width, y: box.y + p[1] * box.height });
  for (const stroke of strokes) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(stroke[0])] });
    for (let i = 1; i < stroke.length; i++) {
      const [a, b] = [stroke[i - 1], stroke[i]];
      for (let k = 1; k <= 6; k++) {
        const t = k / 6;
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t])] });
      }
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await cdp.detach();
}
