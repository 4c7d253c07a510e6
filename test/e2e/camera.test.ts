/**
 * The Camera view end to end: Chromium's fake camera (--use-fake-device-for-media-stream) plays a
 * video this test writes (fake-camera.ts: "2026" in dark ink on light paper, 640×480, 30 fps).
 * Checks the number read, the frames per second shown (a floor a loaded two-core machine holds;
 * the measured value is printed), the boxes, the chosen digit's maps, following a clicked digit,
 * freezing and sending it to the other views, and that leaving the view stops the camera. Then
 * every way the camera fails: permission denied (a real denial, no fake permission UI), no camera,
 * camera in use, no navigator.mediaDevices (an insecure page), each with its message while the rest
 * of the page keeps working. A failing test leaves a screenshot in test-results/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { REPO_ROOT, tempDir } from '../helpers.js';
import { DIGIT_STROKES, drawStrokes, ensureWebBuild, launchChromium, samplesSoFar, waitForFrames } from './browser.js';
import { writeNumberVideo } from './fake-camera.js';

const RESULTS = join(REPO_ROOT, 'test-results');
/**
 * Frames per second the test insists on: a floor that catches a pipeline gone wrong (frames queued,
 * read twice, the page blocked), not the target (30, docs/explorer.md). On the two-core development
 * machine the view recognised 27 frames/s when quiet, 9 with one core kept busy by another process
 * and 3 with four times as many busy processes as cores, so the floor is well under those.
 */
const FPS_FLOOR = 5;

let server: RunningServer;
let camera: Browser;
let denying: Browser;

beforeAll(async () => {
  ensureWebBuild();
  const video = join(tempDir('convscope-camera-'), 'number.y4m');
  await writeNumberVideo(video, '2026');
  server = await startServer({ port: 0, log: () => {} });
  camera = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  // a fake camera but no fake permission prompt: headless Chromium denies the request
  denying = await launchChromium(['--use-fake-device-for-media-stream']);
}, 180_000);

afterAll(async () => {
  await camera?.close();
  await denying?.close();
  await server?.close();
});

/** Keeps every stream getUserMedia returns in window.__streams, so the test can see them stop. */
const KEEP_STREAMS = `(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const open = md.getUserMedia.bind(md);
  window.__streams = [];
  md.getUserMedia = (c) => open(c).then((s) => (window.__streams.push(s), s));
})()`;

/** Makes getUserMedia fail as a browser does, with a DOMException of this name. */
const failWith = (name: string): string => `(() => {
  if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused by the test', ${JSON.stringify(name)}));
})()`;

/** What a page that is not a secure context sees: no navigator.mediaDevices at all. */
const NO_MEDIA_DEVICES = `Object.defineProperty(Navigator.prototype, 'mediaDevices', { get: () => undefined, configurable: true });
Object.defineProperty(window, 'isSecureContext', { get: () => false, configurable: true });`;

async function open(browser: Browser, name: string, init?: string, viewport = { width: 1280, height: 1000 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFailed(async () => {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `e2e-camera-${name}.png`), fullPage: true }).catch(() => {});
    if (errors.length) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  if (init) await page.addInitScript(init);
  await page.goto(`${server.url}?model=lenet&view=camera`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined, null, { timeout: 15_000 });
  (page as Page & { errors?: string[] }).errors = errors;
  return page;
}

/** Clicks the middle of the box around `digit` (boxes move a little with the video, so no waiting for them to be still). */
async function clickBox(page: Page, digit: string): Promise<void> {
  const box = await page.locator(`[data-testid="camera-box"][data-digit="${digit}"]`).first().boundingBox();
  if (!box) throw new Error(`no box around a ${digit}`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 + 10);
}

const pageErrors = (page: Page): string[] => (page as Page & { errors?: string[] }).errors ?? [];

describe('the Camera view with a fake camera', () => {
  it('reads "2026" from the 640×480 video, boxes its four digits, shows frames per second (≥ 5 here) and every layer of the largest digit', async () => {
    const page = await open(camera, 'reads');
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-text').textContent(), { timeout: 20_000 }).toBe('2026');
    await expect.poll(() => page.getByTestId('camera-box').evaluateAll((els) => els.map((e) => e.getAttribute('data-digit'))), { timeout: 5_000 }).toEqual(['2', '0', '2', '6']);
    // let the meter fill its one-second window at full speed
    await page.waitForTimeout(3000);
    const fps = Number(await page.getByTestId('camera-fps').textContent());
    const log = await page.evaluate(() => window.__convscopeCamera?.frames.slice(-60) ?? []);
    const median = (k: 'totalMs' | 'readMs' | 'traceMs' | 'drawMs'): number => log.map((f) => f[k]).sort((a, b) => a - b)[log.length >> 1] ?? NaN;
    console.log(
      `camera view, lenet, 640×480 at 30 fps: ${fps} frames/s recognised; per frame (median of ${log.length}) ${median('totalMs').toFixed(1)} ms: ` +
        `read ${median('readMs').toFixed(1)}, network ${median('traceMs').toFixed(1)}, draw ${median('drawMs').toFixed(1)}`,
    );
    expect(fps, `frames per second shown: ${fps}`).toBeGreaterThanOrEqual(FPS_FLOOR);
    expect(log.every((f) => f.text === '2026'), 'every recent frame read 2026').toBe(true);
    // the largest digit through every layer: LeNet's 1 + 20 + 20 + 50 + 50 maps
    expect(await page.locator('[data-testid="feature-map"][data-layer="conv1"]').count()).toBe(20);
    expect(await page.locator('[data-testid="feature-map"][data-layer="conv2"]').count()).toBe(50);
    expect(await page.getByTestId('camera-prediction').textContent()).toMatch(/^[0-9]$/);
    const probs = await page.getByTestId('camera-prob').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    // permission given: the picker lists the fake camera
    expect(await page.getByTestId('camera-device').locator('option').count()).toBeGreaterThanOrEqual(1);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it('follows a clicked digit, freezes, sends it to every view, and stops the camera when the view closes', async () => {
    const page = await open(camera, 'pick', KEEP_STREAMS);
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-text').textContent(), { timeout: 20_000 }).toBe('2026');
    // click the 6: it is shown from now on, frame after frame
    await clickBox(page, '6');
    await expect.poll(() => page.getByTestId('camera-prediction').textContent()).toBe('6');
    await page.waitForTimeout(500);
    expect(await page.getByTestId('camera-prediction').textContent()).toBe('6');
    // freeze: the frame stops changing
    await page.getByTestId('camera-freeze').click();
    await expect.poll(() => page.getByTestId('camera-freeze').getAttribute('aria-pressed')).toBe('true');
    const frozenAt = await page.evaluate(() => window.__convscopeCamera?.frames.length ?? 0);
    await page.waitForTimeout(400);
    expect(await page.evaluate(() => window.__convscopeCamera?.frames.length ?? 0)).toBe(frozenAt);
    // in a frozen frame a click picks at once
    await clickBox(page, '0');
    await expect.poll(() => page.getByTestId('camera-prediction').textContent()).toBe('0');
    await page.getByTestId('camera-send').click();
    // the other views now show that digit: the pad's prediction, the Layers view
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('0');
    await page.getByTestId('tab-layers').click();
    await page.locator('[data-testid="feature-map"][data-layer="conv1"]').first().waitFor();
    const ended = await page.evaluate(() =>
      ((window as unknown as { __streams: MediaStream[] }).__streams ?? []).flatMap((s) => s.getTracks().map((t) => t.readyState)),
    );
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.every((s) => s === 'ended'), `tracks after leaving the view: ${ended.join(', ')}`).toBe(true);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the Camera view on a phone (390 px)', () => {
  it('reads the number and keeps the page within the screen: wide layer grids scroll inside the view', async () => {
    const page = await open(camera, 'phone', undefined, { width: 390, height: 844 });
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-text').textContent(), { timeout: 20_000 }).toBe('2026');
    await page.locator('[data-testid="feature-map"][data-layer="conv2"]').first().waitFor();
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll, `page ${scroll} px wide in a ${client} px screen`).toBeLessThanOrEqual(client);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('when the camera cannot be used', () => {
  /** the rest of the explorer still works: another view opens and a drawn 7 is read */
  async function restWorks(page: Page): Promise<void> {
    await page.getByTestId('tab-layers').click();
    await page.locator('[data-testid="feature-map"][data-layer="conv1"]').first().waitFor();
    const before = await samplesSoFar(page);
    await drawStrokes(page, DIGIT_STROKES['7']);
    await waitForFrames(page, before);
    expect(await page.getByTestId('prediction').textContent()).toBe('7');
    expect(pageErrors(page)).toEqual([]);
  }

  it('permission denied (no fake permission prompt): says so and how to allow it; the rest of the page works', async () => {
    const page = await open(denying, 'denied');
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-error').textContent(), { timeout: 10_000 }).toMatch(/^Camera permission was denied\./);
    await expect.poll(() => page.getByTestId('camera-start').isEnabled()).toBe(true);
    expect(await page.getByTestId('camera-text').textContent()).toBe('');
    await restWorks(page);
    await page.close();
  }, 60_000);

  it.each([
    ['NotFoundError', 'no camera', /^No camera was found\./],
    ['NotReadableError', 'camera in use', /another application \(or another tab\) is probably using it/],
  ])('%s (%s): its own message; the rest of the page works', async (name, _what, message) => {
    const page = await open(camera, name, failWith(name));
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-error').textContent(), { timeout: 10_000 }).toMatch(message);
    await restWorks(page);
    await page.close();
  }, 60_000);

  it('no navigator.mediaDevices (a page that is not localhost or https): says why at once, and Start says it again', async () => {
    const page = await open(camera, 'insecure', NO_MEDIA_DEVICES);
    await expect.poll(() => page.getByTestId('camera-error').textContent()).toMatch(/^Browsers only offer the camera to secure pages, and http:\/\/127\.0\.0\.1:\d+ is not one\./);
    await page.getByTestId('camera-start').click();
    await expect.poll(() => page.getByTestId('camera-error').textContent()).toMatch(/^Browsers only offer the camera to secure pages/);
    await restWorks(page);
    await page.close();
  }, 60_000);
});
