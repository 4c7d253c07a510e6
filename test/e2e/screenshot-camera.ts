/**
 * Makes docs/camera-view.png, the picture of the explorer's Camera view: Chromium's fake camera
 * playing a video of "2026" written on paper (fake-camera.ts), read with the shipped LeNet.
 * Not a test: `npx tsx test/e2e/screenshot-camera.ts [out.png] [width]` (width 1366 by default;
 * 390 shows the phone layout: the view from its tab down to the first maps).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../src/server/server.js';
import { REPO_ROOT, tempDir } from '../helpers.js';
import { ensureWebBuild, launchChromium } from './browser.js';
import { writeNumberVideo } from './fake-camera.js';

const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs', 'camera-view.png'));
const width = Number(process.argv[3] ?? 1366);
ensureWebBuild();
const video = join(tempDir('convscope-camera-'), 'number.y4m');
await writeNumberVideo(video, '2026');
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
try {
  const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 1100 } });
  await page.goto(`${server.url}?model=lenet&view=camera`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  await page.getByTestId('camera-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="camera-text"]')?.textContent === '2026', null, { timeout: 20_000 });
  await page.waitForTimeout(2500);
  mkdirSync(dirname(out), { recursive: true });
  if (width < 600) {
    // a phone: the page from the view's tabs down, as far as the first maps
    const top = await page.getByTestId('view-camera').evaluate((e) => e.getBoundingClientRect().top + window.scrollY);
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: Math.max(0, top - 60), width, height: 1250 } });
  } else {
    await page.screenshot({ path: out });
  }
  const fps = await page.getByTestId('camera-fps').textContent();
  console.log(`${out}: ${width} px wide, ${statSync(out).size} bytes; ${fps} frames/s`);
} finally {
  await browser.close();
  await server.close();
}
