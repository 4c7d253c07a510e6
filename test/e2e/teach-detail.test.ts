/**
 * Overview → detail and hands-on, end to end in Chromium against the real server: the sliding
 * convolution and pooling animations (every frame's shown sum against the engine's value), the
 * step-through's openings (the mlp's first dense layer, the output layer's predicted digit, softmax
 * as a probability, the normalised inputs explained), the invariance sliders and their plots, two
 * models side by side, and bugs 3, 4 and 8 of issue 11 (each test failed before its fix).
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { drawSeven, useTeachPages } from './teach-page.js';

const pages = useTeachPages();
const open = pages.open;

const num = async (page: Page, testid: string): Promise<number> => Number(await page.getByTestId(testid).first().getAttribute('data-value'));

describe('bugs of issue 11 in the step-through', () => {
  it("bug 3: Enter on the step-through's start button keeps keyboard focus in the step-through", async () => {
    const page = await open('bug3', '?model=lenet&view=step');
    await drawSeven(page);
    const start = page.getByTestId('step-start');
    await start.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('step-through').waitFor();
    const inside = await page.evaluate(() => {
      const a = document.activeElement;
      return a !== null && a !== document.body && document.querySelector('[data-testid="step-through"]')?.contains(a) === true;
    });
    expect(inside).toBe(true);
    // and the arrow keys work straight away, without clicking
    const before = await page.locator('.steps [aria-current="step"]').textContent();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('.steps [aria-current="step"]').textContent()).not.toBe(before);
    await page.close();
  });

  it('bug 4: switching lenet → tiny does not keep dense1:17 by position (it would be tiny pool2:17)', async () => {
    const page = await open('bug4', '?model=lenet&view=step&unit=dense1:17');
    await drawSeven(page);
    await page.getByTestId('step-through').waitFor();
    expect(await page.getByTestId('step-layer').inputValue()).toBe('5');
    await page.getByTestId('model-picker').selectOption('tiny');
    // tiny's dense1 has 10 units, so unit 17 has no counterpart: the step-through starts afresh
    // (before the fix it became pool2:17 once tiny had loaded)
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBeNull();
    await page.getByTestId('step-start').waitFor();
    expect(await page.evaluate(() => new URLSearchParams(location.search).get('model'))).toBe('tiny');
    // a unit that exists in both (the same name and kind, in range) is kept: lenet conv1 ⇄ tiny conv1
    await page.goto(`${pages.server.url}?model=lenet&view=step&unit=conv1:30`);
    await page.waitForFunction(() => window.__convscope?.ready === true, null, { timeout: 15_000 });
    await drawSeven(page);
    await page.getByTestId('step-through').waitFor();
    await page.getByTestId('model-picker').selectOption('tiny');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBe('conv1:30');
    await page.close();
  });

  it('bug 8: the "↑ ↓ input channel" key hint shows only where it does something (a conv with several input channels)', async () => {
    const page = await open('bug8', '?model=lenet&view=step&unit=pool1:0');
    await drawSeven(page);
    const hint = page.locator('[data-testid="step-through"] .nav');
    await hint.waitFor();
    // lenet's layers by index: conv1 (1 input channel), pool1, conv2 (20 input channels), pool2, flatten1, dense1
    for (const [layer, channels] of [
      [1, false],
      [4, false],
      [5, false],
      [0, false],
      [2, true],
    ] as const) {
      await page.getByTestId('step-layer').selectOption(String(layer));
      await expect.poll(async () => ((await hint.textContent()) ?? '').includes('input channel'), { message: `layer ${layer}` }).toBe(channels);
    }
    await page.close();
  });
});

/** Clicks pixel (y, x) of one feature map in the Layers view. */
async function clickMapPixel(page: Page, layer: string, channel: number, y: number, x: number, size: number): Promise<void> {
  const map = page.locator(`[data-testid="feature-map"][data-layer="${layer}"][data-channel="${channel}"]`);
  await map.scrollIntoViewIfNeeded();
  const box = await map.boundingBox();
  if (!box) throw new Error(`${layer} map ${channel} is not visible`);
  await page.mouse.click(box.x + ((x + 0.5) / size) * box.width, box.y + ((y + 0.5) / size) * box.height);
}

/** Walks every frame of the open animation from the first, checking the shown value against the engine's at each. */
async function everyFrameMatches(page: Page, frames: number, exact: boolean): Promise<number> {
  await page.getByTestId('anim-first').click();
  let checked = 0;
  for (let f = 0; f < frames; f++) {
    expect(Number(await page.getByTestId('anim-frame').getAttribute('data-frame'))).toBe(f);
    const shown = await num(page, 'anim-sum');
    const engine = await num(page, 'anim-engine');
    if (exact) expect(shown).toBe(engine);
    else expect(Math.abs(shown - engine)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(engine)));
    if ((await page.getByTestId('anim-activation').count()) > 0) {
      const a = await num(page, 'anim-activation');
      const ae = await num(page, 'anim-activation-engine');
      expect(Math.abs(a - ae)).toBeLessThanOrEqual(1e-6);
    }
    checked++;
    await page.getByTestId('anim-next').click();
  }
  return checked;
}

describe('the kernel sliding over the layer below', () => {
  it("clicking lenet conv2 map 13 at row 3, column 5 opens the animation on that unit; at every one of its 64 positions the shown sum + bias is the engine's value", async () => {
    const page = await open('anim-conv', '?model=lenet&view=layers');
    await drawSeven(page);
    await clickMapPixel(page, 'conv2', 13, 3, 5, 8);
    const anim = page.getByTestId('slide-animation');
    await anim.waitFor();
    expect(await anim.getAttribute('data-kind')).toBe('conv2d');
    expect(await anim.getAttribute('data-frames')).toBe('64');
    expect(await page.getByTestId('anim-frame').getAttribute('data-frame')).toBe(String(3 * 8 + 5));
    // the same unit as the step-through below it: the same engine value
    await page.getByTestId('step-all').click();
    expect(await num(page, 'anim-engine')).toBe(await num(page, 'step-engine-value'));
    // a 5×5 slice of the 5×5×20 kernel, one input channel at a time
    expect(await page.getByTestId('anim-products').locator('.cell').count()).toBe(25);
    expect(await page.getByTestId('conv-frame').textContent()).toContain('20 × 25 = 500 products');
    expect(await everyFrameMatches(page, 64, false)).toBe(64);
    // back on the clicked unit; stepping through a position moves the step-through there
    await page.getByTestId('anim-target').click();
    expect(await page.getByTestId('anim-frame').getAttribute('data-frame')).toBe('29');
    await page.getByTestId('anim-next').click();
    await page.getByTestId('anim-step-through').click();
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBe(`conv2:${13 * 64 + 30}`);
    await page.close();
  });

  it('plays and pauses; the window moves with the frames; a pooling window shows its winner, exactly the engine\'s value at all 144 positions', async () => {
    const page = await open('anim-pool', '?model=lenet&view=step&unit=pool1:300');
    await drawSeven(page);
    const anim = page.getByTestId('slide-animation');
    await anim.waitFor();
    expect(await anim.getAttribute('data-kind')).toBe('maxpool2d');
    expect(await page.getByTestId('anim-window').locator('.cell.marked').count()).toBe(1);
    expect(await everyFrameMatches(page, 144, true)).toBe(144);
    await page.getByTestId('anim-speed').selectOption('60');
    const before = Number(await page.getByTestId('anim-frame').getAttribute('data-frame'));
    const box0 = await page.getByTestId('anim-window-box').boundingBox();
    await page.getByTestId('anim-play').click();
    expect(await page.getByTestId('anim-play').getAttribute('aria-pressed')).toBe('true');
    await page.waitForTimeout(600);
    await page.getByTestId('anim-play').click();
    const after = Number(await page.getByTestId('anim-frame').getAttribute('data-frame'));
    expect(after).not.toBe(before);
    await page.waitForTimeout(200);
    expect(Number(await page.getByTestId('anim-frame').getAttribute('data-frame'))).toBe(after);
    const box1 = await page.getByTestId('anim-window-box').boundingBox();
    expect(box1).not.toEqual(box0);
    expect(await page.evaluate(() => window.__convscopeAnim?.samples.length ?? 0)).toBeGreaterThan(10);
    await page.close();
  });

  it("tiny's conv2 ends in a sigmoid: the animation recomputes the activation at every position too", async () => {
    const page = await open('anim-sigmoid', '?model=tiny&view=step&unit=sigmoid1:7');
    await drawSeven(page);
    await page.getByTestId('slide-animation').waitFor();
    expect(await page.getByTestId('anim-activation').count()).toBe(1);
    expect(await everyFrameMatches(page, 100, false)).toBe(100);
    await page.close();
  });
});

describe('reduced motion', () => {
  it('with reduced motion asked for, the window jumps from position to position instead of gliding, and nothing plays by itself', async () => {
    const page = await open('reduced-motion', '?model=lenet&view=step&unit=conv1:300');
    await drawSeven(page);
    await page.getByTestId('slide-animation').waitFor();
    // seconds the window takes to glide to its next place (app.css may shorten every transition to a trace)
    const glide = async (): Promise<number> => parseFloat(await page.getByTestId('anim-window-box').evaluate((e) => getComputedStyle(e).transitionDuration));
    expect(await glide()).toBeGreaterThan(0.05);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await glide()).toBeLessThan(0.001);
    const frame = await page.getByTestId('anim-frame').getAttribute('data-frame');
    await page.waitForTimeout(400);
    expect(await page.getByTestId('anim-frame').getAttribute('data-frame')).toBe(frame);
    expect(await page.getByTestId('anim-play').getAttribute('aria-pressed')).toBe('false');
    await page.close();
  });
});

describe('where the step-through opens', () => {
  it('the mlp starts on dense1 (not flatten1), with its normalised inputs explained', async () => {
    const page = await open('open-mlp', '?model=mlp&view=step');
    await drawSeven(page);
    expect(await page.getByTestId('step-start').textContent()).toContain('dense1');
    await page.getByTestId('step-start').click();
    expect(await page.getByTestId('step-layer').inputValue()).toBe('1');
    const note = (await page.getByTestId('step-normalisation').textContent()) ?? '';
    expect(note).toContain('(pixel − 0.1307) / 0.3081');
    expect(note).toContain('−0.424');
    expect(note).toContain('deskewed');
    await page.close();
  });

  it('a position typed outside the layer is refused in words, and the unit shown stays', async () => {
    const page = await open('position', '?model=lenet&view=step&unit=pool1:0');
    await drawSeven(page);
    await page.getByTestId('step-through').waitFor();
    // a position outside the layer is refused in words, and the unit shown stays
    await page.getByLabel('row', { exact: true }).fill('99');
    await page.getByLabel('row', { exact: true }).press('Enter');
    expect(await page.getByTestId('step-position-error').textContent()).toBe('pool1 has no row 99: rows go from 0 to 11; the unit shown is unchanged');
    expect(await page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBe('pool1:0');
    await page.getByLabel('row', { exact: true }).fill('3');
    await page.getByLabel('row', { exact: true }).press('Enter');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBe('pool1:36');
    expect(await page.getByTestId('step-position-error').count()).toBe(0);
    await page.close();
  });

  it('the output layer opens on the predicted digit and ends on its probability (softmax), equal to the prediction bar', async () => {
    const page = await open('open-output', '?model=lenet&view=step');
    await drawSeven(page);
    const predicted = (await page.getByTestId('prediction').textContent()) ?? '';
    await page.getByTestId('step-start-output').click();
    expect(await page.getByTestId('step-layer').inputValue()).toBe('7');
    await page.getByTestId('step-all').click();
    const p = await num(page, 'step-probability');
    const bar = Number(await page.locator(`[data-testid="prob"][data-digit="${predicted}"]`).getAttribute('data-value'));
    expect(Math.abs(p - bar)).toBeLessThan(1e-6);
    expect(await page.getByTestId('softmax-row').count()).toBe(10);
    expect(await page.getByTestId('step-final').textContent()).toContain(`the probability ${(bar * 100).toFixed(2)}% that the digit is “${predicted}”`);
    // choosing the output layer from another layer lands on the predicted digit too
    await page.getByTestId('step-layer').selectOption('0');
    await page.getByTestId('step-layer').selectOption('7');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('unit'))).toBe(`dense2:${predicted}`);
    await page.close();
  });
});

const probsOf = async (page: Page, testid: string): Promise<number[]> =>
  page.getByTestId(testid).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
const pixelsOf = async (page: Page, selector: string): Promise<string> => page.locator(selector).first().evaluate((c) => (c as HTMLCanvasElement).toDataURL());

describe('invariance, hands on', () => {
  it("shift and rotate the drawn 7: the input, lenet's maps and the prediction follow, and each plot's point at the slider's value is the live probability", async () => {
    const page = await open('invariance', '?model=lenet&view=invariance');
    await drawSeven(page);
    const answer = page.getByTestId('inv-prediction');
    await answer.waitFor();
    const predicted = (await page.getByTestId('prediction').textContent()) ?? '';
    expect(await answer.getAttribute('data-digit')).toBe(predicted);
    const p0 = Number(await answer.getAttribute('data-probability'));
    const bar = Number(await page.locator(`[data-testid="prob"][data-digit="${predicted}"]`).getAttribute('data-value'));
    expect(Math.abs(p0 - bar)).toBeLessThan(1e-6);
    for (const axis of ['shiftX', 'shiftY', 'rotate', 'scale', 'thicken']) {
      await expect.poll(async () => (await page.getByTestId(`inv-plot-${axis}`).getAttribute('data-probs'))?.split(',').length).toBe(17);
    }
    // at rest, the plots are of this drawing: each one's middle (or, for scale, its value 1×) is the live probability
    await expect.poll(async () => Math.abs(Number((await page.getByTestId('inv-plot-shiftX').getAttribute('data-probs'))?.split(',')[8]) - p0)).toBeLessThan(1e-5);
    const input0 = await pixelsOf(page, '[data-testid="inv-input"]');
    const map0 = await pixelsOf(page, '[data-testid="layer-pick-invariance"] [data-testid="feature-map"]');
    const shiftProbs0 = await page.getByTestId('inv-plot-shiftX').getAttribute('data-probs');

    await page.getByTestId('inv-slider-shiftX').focus();
    await page.keyboard.press('End');
    const p1 = Number(await answer.getAttribute('data-probability'));
    expect(p1).not.toBe(p0);
    // the plots are redrawn a moment after the slider comes to rest
    const pointAt = async (axis: string, i: number): Promise<number> => Number((await page.getByTestId(`inv-plot-${axis}`).getAttribute('data-probs'))?.split(',')[i]);
    await expect.poll(async () => Math.abs((await pointAt('shiftX', 16)) - p1)).toBeLessThan(1e-5);
    expect(await pixelsOf(page, '[data-testid="inv-input"]')).not.toBe(input0);
    expect(await pixelsOf(page, '[data-testid="layer-pick-invariance"] [data-testid="feature-map"]')).not.toBe(map0);

    // the other curves are drawn around the current transform: turning it changes the shift curve
    await page.getByTestId('inv-slider-rotate').focus();
    await page.keyboard.press('End');
    const p2 = Number(await answer.getAttribute('data-probability'));
    await expect.poll(async () => Math.abs((await pointAt('rotate', 16)) - p2)).toBeLessThan(1e-5);
    await expect.poll(() => page.getByTestId('inv-plot-shiftX').getAttribute('data-probs')).not.toBe(shiftProbs0);

    await page.getByTestId('inv-reset').click();
    expect(Math.abs(Number(await answer.getAttribute('data-probability')) - p0)).toBeLessThan(1e-6);
    expect(await pixelsOf(page, '[data-testid="inv-input"]')).toBe(input0);
    await page.close();
  });
});

describe('two models side by side', () => {
  it("lenet and the mlp on the same 7: each side's probabilities are that model's own, each with a layer of its choice", async () => {
    const page = await open('compare', '?model=lenet&view=compare');
    await drawSeven(page);
    await page.getByTestId('compare-prediction-right').waitFor();
    expect(await page.getByTestId('compare-left').getAttribute('data-model')).toBe('lenet');
    expect(await page.getByTestId('compare-right').getAttribute('data-model')).toBe('mlp');
    const main = await probsOf(page, 'prob');
    const left = await probsOf(page, 'compare-prob-left');
    const right = await probsOf(page, 'compare-prob-right');
    expect(left).toHaveLength(10);
    expect(right).toHaveLength(10);
    left.forEach((p, k) => expect(Math.abs(p - main[k])).toBeLessThan(1e-6));
    expect(Math.abs(right.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    expect(right).not.toEqual(left);
    // each side shows a layer of its own model: lenet's conv1 maps, the mlp's dense1 units; either can change
    expect(await page.getByTestId('layer-pick-left').getAttribute('data-layer')).toBe('conv1');
    expect(await page.getByTestId('layer-pick-right').getAttribute('data-layer')).toBe('dense1');
    expect(await page.locator('[data-testid="layer-pick-left"] [data-testid="feature-map"]').count()).toBe(20);
    await page.getByTestId('layer-select-right').selectOption('0');
    expect(await page.getByTestId('layer-pick-right').getAttribute('data-layer')).toBe('flatten1');
    expect(await page.locator('[data-testid="layer-pick-right"] [data-testid="unit-grid"]').getAttribute('data-units')).toBe('784');
    // the right side's numbers are the mlp's: the same drawing under the mlp in the main view
    await page.getByTestId('model-picker').selectOption('mlp');
    await expect.poll(() => page.getByTestId('compare-left').getAttribute('data-model')).toBe('mlp');
    const mlpMain = await probsOf(page, 'prob');
    right.forEach((p, k) => expect(Math.abs(p - mlpMain[k])).toBeLessThan(1e-6));
    expect(await page.getByTestId('compare-right').getAttribute('data-model')).toBe('lenet');
    await page.close();
  });
});

describe('the hands-on views in the URL', () => {
  it('keeps the moved sliders and the second model in the URL, and a reload shows the same', async () => {
    const page = await open('hands-on-url', '?model=lenet&view=invariance&shiftX=4&rotate=30');
    await drawSeven(page);
    expect(await page.getByTestId('inv-slider-shiftX').inputValue()).toBe('4');
    expect(await page.getByTestId('inv-slider-rotate').inputValue()).toBe('30');
    await page.getByTestId('inv-slider-scale').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('scale'))).toBe('1.05');
    expect(await page.evaluate(() => new URLSearchParams(location.search).get('shiftX'))).toBe('4');
    await page.getByTestId('inv-reset').click();
    await expect.poll(() => page.evaluate(() => location.search)).toBe('?model=lenet&view=invariance');

    await page.goto(`${pages.server.url}?model=lenet&view=compare&with=tiny`);
    await page.waitForFunction(() => window.__convscope?.ready === true, null, { timeout: 15_000 });
    await drawSeven(page);
    await page.getByTestId('compare-prediction-right').waitFor();
    expect(await page.getByTestId('compare-right').getAttribute('data-model')).toBe('tiny');
    await page.getByTestId('compare-model').selectOption('cnn');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('with'))).toBe('cnn');
    await page.reload();
    await page.waitForFunction(() => window.__convscope?.ready === true, null, { timeout: 15_000 });
    await drawSeven(page);
    await expect.poll(() => page.getByTestId('compare-right').getAttribute('data-model')).toBe('cnn');
    await page.close();
  });
});
