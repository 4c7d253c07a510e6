/**
 * Measures the Camera view in headless Chromium: frames recognised per second at 640×480 with a
 * model (LeNet by default), segmentation, the chosen digit's forward pass and every layer's maps
 * included, from Chromium's fake camera playing "2026" on paper (fake-camera.ts) at the given
 * frame rate. Not a test (numbers depend on the machine):
 * `npx tsx test/e2e/measure-camera.ts [--model lenet] [--fps 30] [--seconds 10] [--readers N]`
 * (N frame-reading workers, 0 to read on the page; by default the view's own choice).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../../src/server/server.js';
import { tempDir } from '../helpers.js';
import { ensureWebBuild, launchChromium } from './browser.js';
import { writeNumberVideo } from './fake-camera.js';
import type { CameraFrameSample } from '../../web/src/lib/camera-stats.js';

const { values } = parseArgs({
  options: { model: { type: 'string', default: 'lenet' }, fps: { type: 'string', default: '30' }, seconds: { type: 'string', default: '10' }, readers: { type: 'string' } },
});
const model = values.model;
const rate = Number(values.fps);
const seconds = Number(values.seconds);

ensureWebBuild();
const video = join(tempDir('convscope-camera-'), 'number.y4m');
await writeNumberVideo(video, '2026', { width: 640, height: 480, fps: rate, frames: 2 * rate });
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  if (values.readers !== undefined) await page.addInitScript(`window.__convscopeCameraReaders = ${Number(values.readers)};`);
  await page.goto(`${server.url}?model=${model}&view=camera`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  const engine = await page.evaluate(() => window.__convscope?.engine ?? '?');
  await page.getByTestId('camera-start').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="camera-text"]')?.textContent === '2026', null, { timeout: 30_000 });
  await page.waitForTimeout(1000); // warm-up
  const from = await page.evaluate(() => performance.now());
  await page.waitForTimeout(seconds * 1000);
  const frames: CameraFrameSample[] = await page.evaluate((t) => (window.__convscopeCamera?.frames ?? []).filter((f) => f.at >= t), from);
  const maps = await page.locator('[data-testid="feature-map"]').count();
  const span = frames.length > 1 ? frames[frames.length - 1].at - frames[0].at : NaN;
  const pct = (k: keyof Omit<CameraFrameSample, 'text'>, q: number): number => {
    const v = frames.map((f) => f[k]).sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  };
  const gaps = frames.slice(1).map((f, i) => f.at - frames[i].at).sort((a, b) => a - b);
  const read = frames.filter((f) => f.text === '2026').length;
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  console.log(`model ${model}, engine ${engine}, camera ${rate} fps 640×480, ${maps} feature maps on the page, ${seconds} s, readers ${values.readers ?? 'default'}, ${cores} cores`);
  console.log(`recognised: ${frames.length} frames, ${(((frames.length - 1) * 1000) / span).toFixed(1)} frames/s (of ${rate} the camera sends); "2026" read in ${((100 * read) / frames.length).toFixed(1)}%`);
  console.log(`frame to frame: p50 ${gaps[gaps.length >> 1]?.toFixed(1)} ms, p90 ${gaps[Math.floor(gaps.length * 0.9)]?.toFixed(1)} ms, max ${gaps[gaps.length - 1]?.toFixed(1)} ms`);
  console.log('part            p50      p90   (ms)');
  for (const k of ['grabMs', 'readMs', 'traceMs', 'drawMs', 'totalMs'] as const) {
    console.log(`${k.replace('Ms', '').padEnd(12)} ${pct(k, 0.5).toFixed(2).padStart(7)} ${pct(k, 0.9).toFixed(2).padStart(8)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
