/**
 * What the end-to-end tests need around a browser: a current build of the web app (built here when
 * web/dist is missing or older than its sources), Debian's Chromium (a clear failure that says how
 * to install it, never a silent skip), and drawing on the pad with real mouse events, stroke by stroke.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers.js';

declare global {
  interface Window {
    /** the app's latency log (web/src/lib/latency.ts) */
    __convscope?: { samples: { model: string; waitMs: number; computeMs: number; totalMs: number; view: string }[]; ready: boolean };
  }
}

export const CHROMIUM = process.env['CONVSCOPE_CHROMIUM'] ?? '/usr/bin/chromium';
const DIST_INDEX = join(REPO_ROOT, 'web', 'dist', 'index.html');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const f of readdirSync(path)) {
    if (f === 'node_modules' || f === 'dist' || f.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, f)));
  }
  return newest;
}

/** Builds web/dist with `vite build` unless it is newer than everything it is built from. */
export function ensureWebBuild(): void {
  const sources = [join(REPO_ROOT, 'web', 'src'), join(REPO_ROOT, 'web', 'index.html'), join(REPO_ROOT, 'src'), join(REPO_ROOT, 'vite.config.ts')];
  const built = existsSync(DIST_INDEX) ? statSync(DIST_INDEX).mtimeMs : 0;
  if (built > Math.max(...sources.map(newestMtime))) return;
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !existsSync(DIST_INDEX)) {
    throw new Error(`npm run build:web failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Launches Chromium headless; `extraArgs` add switches (the camera test's fake camera). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the end-to-end tests drive a real browser. Install it with \`apt-get install chromium\` ` +
        '(or point CONVSCOPE_CHROMIUM at a Chromium binary).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Points in pad coordinates, 0..1 across and down. */
export type Stroke = readonly (readonly [number, number])[];

export const DIGIT_STROKES: Readonly<Record<'1' | '7' | '0', readonly Stroke[]>> = {
  '1': [[[0.5, 0.15], [0.5, 0.85]]],
  '7': [[[0.25, 0.18], [0.72, 0.18], [0.58, 0.5], [0.45, 0.85]]],
  '0': [Array.from({ length: 17 }, (_, i) => [0.5 + 0.22 * Math.sin((i / 16) * 2 * Math.PI), 0.5 - 0.33 * Math.cos((i / 16) * 2 * Math.PI)] as const)],
};

/** Draws strokes on the pad with mouse events: press, move in small steps along each segment, release. */
export async function drawStrokes(page: Page, strokes: readonly Stroke[]): Promise<void> {
  const box = await page.getByTestId('drawpad').boundingBox();
  if (!box) throw new Error('the drawing pad is not visible');
  const at = (p: readonly [number, number]): [number, number] => [box.x + p[0] * box.width, box.y + p[1] * box.height];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) await page.mouse.move(...at(stroke[i]), { steps: stroke.length > 4 ? 2 : 5 });
    await page.mouse.up();
  }
}

/** Waits until the app has handled `n` more frames of ink than it had before (the prediction is then current). */
export async function samplesSoFar(page: Page): Promise<number> {
  return page.evaluate(() => window.__convscope?.samples.length ?? 0);
}

export async function waitForFrames(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n) => (window.__convscope?.samples.length ?? 0) > n, before, { timeout: 10_000 });
  // one more frame so a stroke's last pointer move has been drawn too
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}
