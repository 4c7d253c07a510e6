/**
 * The explorer on a phone and from the keyboard, in Chromium: at 390 px nothing is cut off without
 * a way to scroll (bug 5: LeNet's flatten grid was) and the pad stays on screen beside the layer
 * the architecture strip jumps to; touch draws; at 1366 px the cnn's architecture strip shows every
 * layer (bug 6: its end was hidden in a scroller with no sign of it); every control is reached with
 * Tab, shows its focus and works with Enter or Space; reduced motion jumps instead of scrolling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/server.js';
import type { ModelsResponse } from '../../src/server/api-types.js';
import { DIGIT_STROKES, launchChromium } from './browser.js';
import { inputInk, openPage, startExplorer, touchStrokes } from './first-screen-harness.js';

let server: RunningServer;
let browser: Browser;
let lenetTrained = false;
const PHONE = { viewport: { width: 390, height: 844 }, context: { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } };

beforeAll(async () => {
  server = await startExplorer();
  browser = await launchChromium();
  const models = (await (await fetch(`${server.url}api/models`)).json()) as ModelsResponse;
  lenetTrained = models.models.some((m) => m.name === 'lenet' && m.trained);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Elements past the viewport's right edge that no scrolling container around them lets one reach. */
function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const scrollsSideways = (el: Element): boolean => {
      const s = getComputedStyle(el);
      return (s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth;
    };
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= innerWidth + 1) continue;
      let a = el.parentElement;
      while (a && !scrollsSideways(a)) a = a.parentElement;
      if (a) continue;
      out.push(`${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')} right ${Math.round(r.right)}`);
    }
    return out;
  });
}

describe('phone, 390 px', () => {
  it('5: every layer of every model fits or scrolls: LeNet\'s flatten grid of 800 units is inside the screen, and the page does not scroll sideways', async () => {
    const page = await openPage(browser, server, 'bug5-phone', '?model=lenet&view=layers', PHONE);
    await page.locator('[data-testid="unit-grid"][data-layer="flatten1"]').waitFor();
    const grid = await page.locator('[data-testid="unit-grid"][data-layer="flatten1"]').boundingBox();
    expect(grid?.x).toBeGreaterThanOrEqual(0);
    expect((grid?.x ?? 0) + (grid?.width ?? Infinity)).toBeLessThanOrEqual(390);
    expect(await cutOff(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // every view of LeNet as well (the map and the gallery without data say how to add it)
    for (const tab of await page.getByRole('tab').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''))) {
      await page.getByTestId(tab).tap();
      await page.waitForTimeout(1200);
      expect(await cutOff(page), tab).toEqual([]);
    }
    await page.getByTestId('tab-layers').tap();
    for (const name of ['cnn', 'mlp', 'tiny']) {
      await page.getByTestId('model-picker').selectOption(name);
      await expect.poll(() => page.locator('.input figcaption').count()).toBe(1);
      await page.waitForFunction((n) => document.querySelector('[data-testid="model-description"] summary')?.textContent?.length && new URL(location.href).searchParams.get('model') === n, name);
      await page.waitForTimeout(300);
      expect(await cutOff(page), name).toEqual([]);
    }
  }, 90_000);

  it('keeps the pad and the prediction on screen beside the layer the architecture strip jumps to, its heading not under them', async () => {
    const page = await openPage(browser, server, 'phone-pad-and-layer', '?model=lenet&view=layers', PHONE);
    await page.locator('[data-testid="arch-layer"][data-layer="conv2"] button, button[data-testid="arch-layer"][data-layer="conv2"]').first().click();
    await page.waitForTimeout(1500);
    const pad = await page.getByTestId('drawpad').boundingBox();
    const live = await page.getByTestId('live').boundingBox();
    const layer = await page.locator('#layer-conv2').boundingBox();
    if (!pad || !live || !layer) throw new Error('pad or layer missing');
    expect(await page.evaluate(() => scrollY)).toBeGreaterThan(300);
    expect(pad.y).toBeGreaterThanOrEqual(0);
    expect(pad.y + pad.height).toBeLessThanOrEqual(844);
    expect(layer.y, 'the layer starts below the pad bar').toBeGreaterThanOrEqual(live.y + live.height - 1);
    expect(layer.y, 'the layer starts on screen').toBeLessThan(844 - 100);
    expect(await page.getByTestId('prediction').isVisible()).toBe(true);
  }, 60_000);

  it('draws with a finger: a touched 1 is read as 1', async () => {
    const page = await openPage(browser, server, 'phone-touch', '?model=lenet', PHONE);
    await page.getByTestId('clear').tap();
    expect(await inputInk(page)).toBe(0);
    await touchStrokes(page, DIGIT_STROKES['1']);
    await expect.poll(() => inputInk(page)).toBeGreaterThan(10);
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe(lenetTrained ? '1' : expect.stringMatching(/^\d$/));
  }, 60_000);
});

describe('desktop, 1366 px', () => {
  it('6: the cnn\'s architecture strip shows all its layers, none hidden past the edge', async () => {
    const page = await openPage(browser, server, 'bug6-strip', '?model=cnn&view=layers');
    await expect.poll(() => page.getByTestId('arch-layer').count()).toBe(11);
    const strip = page.locator('ol.arch');
    const box = await strip.boundingBox();
    const boxes = await page.getByTestId('arch-layer').evaluateAll((els) => els.map((e) => ({ layer: e.getAttribute('data-layer'), ...e.getBoundingClientRect().toJSON() })));
    if (!box) throw new Error('no architecture strip');
    for (const b of boxes) {
      expect(b.right, `${b.layer} ends at ${b.right}, the strip at ${box.x + box.width}`).toBeLessThanOrEqual(box.x + box.width + 0.5);
      expect(b.right).toBeLessThanOrEqual(1366);
    }
    expect(await strip.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    // on a tablet too, and the view tabs as well: all in sight, none scrolled away
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForTimeout(300);
    const rights = await page.locator('ol.arch [data-testid="arch-layer"], [role="tab"]').evaluateAll((els) => els.map((e) => ({ what: e.getAttribute('data-testid') ?? e.getAttribute('data-layer'), right: e.getBoundingClientRect().right })));
    expect(rights.length).toBeGreaterThan(11);
    for (const r of rights) expect(r.right, `${r.what} at 768 px`).toBeLessThanOrEqual(768);
  }, 60_000);
});

describe('keyboard and screen readers', () => {
  it('reaches the picker, the pad\'s buttons, the brush and the tabs with Tab, shows the focus, and works with Enter and Space', async () => {
    const page = await openPage(browser, server, 'keyboard', '?model=lenet&view=layers');
    const reached: string[] = [];
    for (let i = 0; i < 60 && !reached.includes('tab-layers'); i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        return { id: el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
      if (!f) continue;
      reached.push(f.id);
      expect(f.outline, `${f.id} shows no focus ring`).not.toBe('none');
      expect(f.width).toBeGreaterThanOrEqual(2);
    }
    for (const want of ['model-picker', 'clear', 'erase', 'example', 'brush size', 'tab-layers']) expect(reached).toContain(want);

    await page.getByTestId('clear').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => inputInk(page)).toBe(0);
    await page.getByTestId('example').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe(lenetTrained ? '7' : expect.stringMatching(/^\d$/));
    await page.getByTestId('erase').focus();
    await page.keyboard.press('Space');
    expect(await page.getByTestId('erase').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('tab-layers').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('tab-kernels');
    expect(await page.getByTestId('tab-kernels').getAttribute('aria-selected')).toBe('true');
  }, 60_000);

  it('names the pad, its buttons, the views and the prediction for screen readers', async () => {
    const page = await openPage(browser, server, 'labels', '?model=lenet&view=layers');
    expect(await page.getByTestId('drawpad').getAttribute('aria-label')).toMatch(/^Drawing pad: draw a digit/);
    for (const id of ['clear', 'erase', 'example']) expect(((await page.getByTestId(id).textContent()) ?? '').trim().length).toBeGreaterThan(3);
    expect(await page.getByRole('tablist', { name: 'views' }).count()).toBe(1);
    const panel = page.getByRole('tabpanel');
    expect(await panel.getAttribute('aria-labelledby')).toBe('tab-layers');
    expect(await page.getByRole('region', { name: 'prediction' }).count()).toBe(1);
    expect(await page.getByTestId('prediction').getAttribute('aria-live')).toBe('polite');
    expect(await page.getByRole('slider', { name: 'brush size' }).count()).toBe(1);
  }, 60_000);

  it('jumps to a layer without scrolling smoothly when the reader asks for reduced motion, and smoothly otherwise', async () => {
    // the scroll requests the app makes, recorded (headless Chromium may finish a smooth scroll at once, so the request is what tells)
    const record = (p: Page) =>
      p.addInitScript(() => {
        const calls: unknown[] = [];
        (window as unknown as { __scrolls: unknown[] }).__scrolls = calls;
        const original = Element.prototype.scrollIntoView;
        Element.prototype.scrollIntoView = function (this: Element, arg?: boolean | ScrollIntoViewOptions) {
          calls.push(arg);
          original.call(this, arg);
        };
      });
    for (const motion of ['reduce', 'no-preference'] as const) {
      const page = await openPage(browser, server, `motion-${motion}`, '?model=lenet&view=layers', { context: { reducedMotion: motion }, before: record });
      await page.locator('[data-testid="arch-layer"][data-layer="conv2"] button, button[data-testid="arch-layer"][data-layer="conv2"]').first().click();
      await expect.poll(() => page.evaluate(() => (window as unknown as { __scrolls: { behavior?: string }[] }).__scrolls.at(-1)?.behavior)).toBe(motion === 'reduce' ? 'auto' : 'smooth');
      await expect.poll(() => page.locator('#layer-conv2').evaluate((e) => Math.abs(e.getBoundingClientRect().top)), { timeout: 5000 }).toBeLessThan(20);
      if (motion === 'reduce') {
        // nor any CSS transition: a focus ring or a button's hover fades at once
        expect(await page.getByTestId('clear').evaluate((e) => parseFloat(getComputedStyle(e).transitionDuration))).toBeLessThan(0.001);
      }
      await page.close();
    }
  }, 60_000);
});
