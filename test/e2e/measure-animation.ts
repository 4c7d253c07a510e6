/**
 * Measures the sliding-window animations in Chromium: with the step-through open on a unit, the
 * animation plays at 60 positions a second for 4 s, and the page's own log (window.__convscopeAnim,
 * web/src/lib/slide-player.ts) gives how long each frame took from its tick to updated numbers and
 * canvases; the gaps between animation frames over the same seconds show whether the page kept its
 * frame rate. LeNet conv1 (C=1), conv2 (5×5×20) and pool1, and the cnn's conv2 (5×5×8), at 1366 px.
 * Not a test: `npx tsx test/e2e/measure-animation.ts`; prints a table and JSON.
 */
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

declare global {
  interface Window {
    __gaps?: { gaps: number[]; last: number; on: boolean };
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

const SCENES = [
  { name: 'lenet conv1 (24×24, kernel 5×5×1)', query: '?model=lenet&view=step&unit=conv1:300' },
  { name: 'lenet conv2 (8×8, kernel 5×5×20)', query: '?model=lenet&view=step&unit=conv2:861' },
  { name: 'lenet pool1 (12×12, window 2×2)', query: '?model=lenet&view=step&unit=pool1:303' },
  { name: 'cnn conv2 + relu (8×8, kernel 5×5×8)', query: '?model=cnn&view=step&unit=relu2:70' },
];

ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();
const rows: { scene: string; frames: number; updateP50: number; updateP95: number; updateMax: number; gapP50: number; gapP95: number; gapMax: number }[] = [];

async function measure(page: Page): Promise<void> {
  // a string, not a function: tsx would wrap a named function in a helper the page does not have
  await page.evaluate(`(() => {
    window.__convscopeAnim = { samples: [] };
    const g = { gaps: [], last: performance.now(), on: true };
    window.__gaps = g;
    function tick(t) {
      if (!g.on) return;
      g.gaps.push(t - g.last);
      g.last = t;
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  })()`);
  await page.getByTestId('anim-play').click();
  await page.waitForTimeout(4000);
  await page.getByTestId('anim-play').click();
}

try {
  for (const s of SCENES) {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${server.url}${s.query}`);
    await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
    await page.getByTestId('clear').click();
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES['7']);
    await waitForFrames(page, before);
    await page.getByTestId('slide-animation').waitFor();
    await page.getByTestId('anim-speed').selectOption('60');
    await measure(page);
    const { updates, gaps } = await page.evaluate(() => {
      if (window.__gaps) window.__gaps.on = false;
      return { updates: (window.__convscopeAnim?.samples ?? []).map((x) => x.updateMs), gaps: window.__gaps?.gaps.slice(1) ?? [] };
    });
    rows.push({
      scene: s.name,
      frames: updates.length,
      updateP50: quantile(updates, 0.5),
      updateP95: quantile(updates, 0.95),
      updateMax: Math.max(...updates),
      gapP50: quantile(gaps, 0.5),
      gapP95: quantile(gaps, 0.95),
      gapMax: Math.max(...gaps),
    });
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const f = (v: number): string => v.toFixed(1).padStart(6);
console.log('scene                                   frames  update p50  p95   max   frame gap p50  p95   max  (ms)');
for (const r of rows) console.log(`${r.scene.padEnd(40)}${String(r.frames).padStart(6)}  ${f(r.updateP50)}${f(r.updateP95)}${f(r.updateMax)}     ${f(r.gapP50)}${f(r.gapP95)}${f(r.gapMax)}`);
console.log(JSON.stringify(rows));
