/**
 * The pictures of docs/explorer.md's learner's walk-through, and the numbers it quotes: LeNet's
 * first screen with its example digit (nothing drawn), a layer kind's explanation opened from the
 * architecture strip, conv2 kernel 13 at row 3 col 5 read out under the pointer, the same unit
 * clicked (the kernel sliding over pool1), its step-through to the sum beside the engine's value,
 * and the hover on a phone. Not a test: `npx tsx test/e2e/screenshot-walkthrough.ts [dir]`
 * (default docs/) writes walkthrough-*.png and prints what each picture shows.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../../src/server/server.js';
import { REPO_ROOT } from '../helpers.js';
import { ensureWebBuild, launchChromium } from './browser.js';

const dir = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs'));
mkdirSync(dir, { recursive: true });
ensureWebBuild();
const server = await startServer({ port: 0, log: () => {} });
const browser = await launchChromium();

/** the unit the walk-through asks about: conv2, kernel 13, at its strongest pixel (found by pointing) */
const UNIT = { channel: 13, y: 0, x: 0 };

async function open(width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: width > 800 ? 900 : 844 } });
  await page.goto(`${server.url}?model=lenet&view=layers`);
  await page.waitForFunction(() => window.__convscope?.ready === true && window.__convscope.engine !== undefined);
  await page.waitForTimeout(300);
  return page;
}

async function save(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  await page.waitForTimeout(250);
  const path = join(dir, `walkthrough-${name}.png`);
  await page.screenshot(clip ? { path, clip } : { path });
  console.log(path);
}

/** points at the unit in conv2's map 13; returns where */
async function pointAtUnit(page: Page): Promise<{ x: number; y: number }> {
  const map = page.locator('[data-testid="feature-map"][data-layer="conv2"]').nth(UNIT.channel);
  await map.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const box = await map.boundingBox();
  if (!box) throw new Error('conv2 map 13 is not on the page');
  const at = { x: box.x + ((UNIT.x + 0.5) * box.width) / 8, y: box.y + ((UNIT.y + 0.5) * box.height) / 8 };
  await page.mouse.move(at.x, at.y);
  return at;
}

try {
  const page = await open(1366);
  console.log(`  first screen: prediction "${(await page.getByTestId('prediction').textContent())?.trim()}"`);
  await save(page, '1-first-screen');

  await page.locator('[data-testid="arch-layer"][data-layer="conv2"] [data-testid="term"]').click();
  await page.getByTestId('term-popover').waitFor();
  await save(page, '2-explained', { x: 340, y: 0, width: 1026, height: 620 });
  await page.keyboard.press('Escape');

  // every pixel of the map under the pointer in turn: the strongest is the one to ask about
  let best = { v: -Infinity, y: 0, x: 0 };
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      Object.assign(UNIT, { y, x });
      await pointAtUnit(page);
      const v = Number((await page.locator('[data-testid="unit-readout"][data-layer="conv2"]').textContent())?.split('= ').pop());
      if (v > best.v) best = { v, y, x };
    }
  }
  Object.assign(UNIT, { y: best.y, x: best.x });
  const at = await pointAtUnit(page);
  const readout = (await page.locator('[data-testid="unit-readout"][data-layer="conv2"]').textContent())?.trim();
  console.log(`  readout: ${readout}`);
  await save(page, '3-pointed');

  await page.mouse.click(at.x, at.y);
  await page.getByTestId('slide-animation').waitFor();
  await page.getByTestId('slide-animation').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await save(page, '4-sliding');

  await page.getByTestId('step-all').click();
  await page.getByTestId('step-engine-value').evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const sum = await page.getByTestId('step-sum').getAttribute('data-value');
  const engine = await page.getByTestId('step-engine-value').getAttribute('data-value');
  console.log(`  step-through: recomputed sum ${sum}, engine ${engine}, unit ${new URL(page.url()).searchParams.get('unit')}`);
  await save(page, '5-why');
  await page.close();

  const phone = await open(390);
  await pointAtUnit(phone);
  console.log(`  phone readout: ${(await phone.locator('[data-testid="unit-readout"][data-layer="conv2"]').textContent())?.trim()}`);
  await save(phone, '6-phone');
  await phone.close();
} finally {
  await browser.close();
  await server.close();
}
