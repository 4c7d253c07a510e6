/**
 * Makes docs/explorer.png, the README's picture of the explorer: a "7" drawn on the pad with the
 * best shipped model (lenet when trained), its layer maps, and a feature-map pixel hovered so its
 * receptive field shows on the input. Not a test: `npx tsx test/e2e/screenshot.ts [out.png]`.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../src/server/server.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { REPO_ROOT } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';

const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'explorer.png'));
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();
try {
  const models = ((await (await fetch(`${server.url}api/models`)).json()) as ModelsResponse).models;
  const model = models.find((m) => m.name === 'lenet' && m.trained)?.name ?? models.find((m) => m.trained)?.name ?? 'lenet';
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(`${server.url}?model=${model}&view=layers`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  const before = await samplesSoFar(page);
  await drawStrokes(page, DIGIT_STROKES['7']);
  await waitForFrames(page, before);
  const map = page.locator('[data-testid="feature-map"][data-layer="conv1"]').nth(2);
  const box = await map.boundingBox();
  if (box) await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.3);
  await page.waitForTimeout(200);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`${out}: ${model}, ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await server.close();
}
