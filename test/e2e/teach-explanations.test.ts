/**
 * Explained in place, end to end in Chromium against the real server: every layer kind's name
 * opens its explanation (by click and by keyboard, Escape closes it and gives focus back), the
 * glossary lists them all, the unit under the pointer is read out in words with the engine's value,
 * kernels are named as the volumes they are, maps shrink as the network does, every map has a
 * colour legend, the logits and probabilities are labelled, the Network view draws tiny, LeNet and
 * the mlp as nodes and connections, and the Kernels view draws the mlp's first layer as images.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { GLOSSARY } from '../../web/src/lib/glossary.js';
import { Sequential } from '../../src/nn/model.js';
import { ZOO } from '../../src/models/zoo.js';
import { drawSeven, useTeachPages } from './teach-page.js';

const pages = useTeachPages();
const open = pages.open;

/** the page is no wider than its viewport (nothing to scroll sideways) */
const overflowX = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('every layer kind explained where its name appears', () => {
  it("the cnn's, the mlp's and tiny's strips: each kind's name opens its paragraph and formula; Enter opens, Escape closes and returns focus", async () => {
    const page = await open('terms', '?model=cnn&view=layers');
    const seen = new Set<string>();
    for (const model of ['cnn', 'mlp', 'tiny']) {
      await page.getByTestId('model-picker').selectOption(model);
      // the new model loads asynchronously: wait until the strip shows its layers (names repeat across models)
      const names = ['input', ...new Sequential(ZOO[model].spec, 0).layers.map((l) => l.name)];
      await expect.poll(() => page.getByTestId('arch-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer'))), { timeout: 15_000 }).toEqual(names);
      const terms = page.locator('[data-testid="arch-layer"] [data-testid="term"]');
      const n = await terms.count();
      for (let i = 0; i < n; i++) {
        const t = terms.nth(i);
        const id = (await t.getAttribute('data-term')) ?? '';
        seen.add(id);
        await t.click();
        const card = page.locator(`[data-testid="term-popover"][data-term="${id}"]`);
        await card.waitFor();
        const entry = GLOSSARY.find((e) => e.id === id);
        expect(entry, id).toBeDefined();
        expect(await card.getByTestId('term-formula').textContent()).toBe(entry?.formula);
        expect(await card.textContent()).toContain(entry?.text.slice(0, 40));
        await t.click();
        await expect.poll(() => card.count()).toBe(0);
      }
    }
    // the cnn, the mlp and tiny together have every kind but batch norm and dropout (no shipped model has them)
    expect([...seen].sort()).toEqual(['conv', 'dense', 'flatten', 'input', 'maxpool', 'relu', 'sigmoid']);
    // keyboard: focus a term, Enter opens its card, Escape closes it and focus stays on the term
    const conv = page.locator('[data-testid="arch-layer"][data-layer="conv1"] [data-testid="term"]');
    await conv.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="term-popover"][data-term="conv"]').waitFor();
    expect(await conv.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('term-popover').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-term'))).toBe('conv');
    await page.close();
  }, 90_000);

  it("the mlp's Layers view: deskewing, normalisation, activation, softmax, logits and probabilities each open from their names", async () => {
    const page = await open('terms-layers', '?model=mlp&view=layers');
    const terms = page.locator('[data-testid="view-layers"] [data-testid="term"]');
    await expect.poll(() => terms.count(), { timeout: 15_000 }).toBeGreaterThan(8);
    const ids = [...new Set(await terms.evaluateAll((els) => els.map((e) => e.getAttribute('data-term') ?? '')))];
    for (const id of ['input', 'deskew', 'normalisation', 'flatten', 'dense', 'sigmoid', 'activation', 'logit', 'probability', 'softmax']) expect(ids, id).toContain(id);
    for (const id of ids) {
      const t = page.locator(`[data-testid="view-layers"] [data-testid="term"][data-term="${id}"]`).first();
      await t.click();
      const card = page.locator(`[data-testid="term-popover"][data-term="${id}"]`);
      await card.waitFor();
      expect(await card.getByTestId('term-formula').textContent()).toBe(GLOSSARY.find((e) => e.id === id)?.formula);
      await page.keyboard.press('Escape');
      await expect.poll(() => card.count()).toBe(0);
    }
    await page.close();
  }, 60_000);

  it('the glossary view lists every layer kind (conv … normalisation) and term, and a card links to its entry', async () => {
    const page = await open('glossary', '?model=mlp&view=glossary');
    const ids = await page.getByTestId('glossary-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-term')));
    expect(ids).toEqual(GLOSSARY.map((e) => e.id));
    for (const id of ['conv', 'maxpool', 'flatten', 'dense', 'activation', 'softmax', 'batchnorm', 'dropout', 'deskew', 'normalisation']) expect(ids).toContain(id);
    // the mlp deskews and normalises its input: the glossary says where
    expect(await page.locator('#glossary-deskew').textContent()).toContain('in mlp: the input');
    // from a card in the Layers view to the glossary's entry, without reloading
    await page.getByTestId('tab-layers').click();
    await page.locator('[data-testid="layer"][data-layer="input"] [data-term="normalisation"]').click();
    await page.locator('[data-testid="term-popover"] a').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('glossary');
    await page.locator('#glossary-normalisation').waitFor();
    await page.close();
  }, 60_000);

  it('at 390 px a card stays inside the screen and nothing widens the page', async () => {
    const page = await open('terms-phone', '?model=lenet&view=layers', { width: 390, height: 844 });
    const term = page.locator('[data-testid="arch-layer"][data-layer="dense2"] [data-testid="term"]');
    await term.click();
    const box = await page.getByTestId('term-popover').boundingBox();
    expect(box).not.toBeNull();
    expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 999)).toBeLessThanOrEqual(390);
    expect(await overflowX(page)).toBe(0);
    for (const view of ['glossary', 'network', 'kernels']) {
      await page.getByTestId(`tab-${view}`).click();
      await page.getByTestId(`view-${view}`).waitFor();
      expect(await overflowX(page), view).toBe(0);
    }
    await page.close();
  }, 60_000);
});

describe('the Layers view in words', () => {
  it('reads out the conv2 unit under the pointer ("conv2, kernel 13, at row 3 col 5: … 500 products + bias = v") with the engine\'s value', async () => {
    const page = await open('readout', '?model=lenet&view=layers');
    await drawSeven(page);
    // from the keyboard: a focused map reads out its strongest pixel
    await page.locator('[data-testid="feature-map"][data-layer="conv1"]').nth(4).focus();
    await expect.poll(() => page.locator('[data-testid="unit-readout"][data-layer="conv1"]').textContent()).toMatch(/^conv1, kernel 4, at row \d+ col \d+: the sum of 5×5×1 = 25 products \+ bias = /);
    const map = page.locator('[data-testid="feature-map"][data-layer="conv2"]').nth(13);
    await map.scrollIntoViewIfNeeded();
    const box = await map.boundingBox();
    if (!box) throw new Error('conv2 map 13 is not visible');
    await page.mouse.move(box.x + (box.width * 5.5) / 8, box.y + (box.height * 3.5) / 8);
    const readout = page.locator('[data-testid="unit-readout"][data-layer="conv2"]');
    await expect.poll(() => readout.textContent()).toMatch(/^conv2, kernel 13, at row 3 col 5: the sum of 5×5×20 = 500 products \+ bias = -?[\d.]+(e[-+]\d+)?$/);
    const shown = Number((await readout.textContent())?.split('= ').pop());
    // the same unit in the step-through: the engine's own value
    await page.mouse.click(box.x + (box.width * 5.5) / 8, box.y + (box.height * 3.5) / 8);
    await expect.poll(() => new URL(page.url()).searchParams.get('unit')).toBe(`conv2:${13 * 64 + 3 * 8 + 5}`);
    await page.getByTestId('step-all').click();
    const engine = Number(await page.getByTestId('step-engine-value').getAttribute('data-value'));
    expect(shown).toBe(Number(engine.toPrecision(3)));
    await page.close();
  }, 60_000);

  it('names kernels as volumes, draws maps at one zoom (28 → 24 → 12 → 8 → 4), labels logits and probabilities, and has a legend per layer', async () => {
    const page = await open('layers-words', '?model=lenet&view=layers');
    await drawSeven(page);
    const details = await page.getByTestId('arch-detail').allTextContents();
    expect(details.slice(0, 3)).toEqual(['20 kernels of 5×5×1', '2×2 window', '50 kernels of 5×5×20']);
    expect(await page.locator('[data-testid="layer"][data-layer="conv2"] [data-testid="layer-detail"]').textContent()).toBe('50 kernels of 5×5×20');
    const widths = await page.evaluate(() =>
      ['input', 'conv1', 'pool1', 'conv2', 'pool2'].map((l) => (document.querySelector(`[data-testid="feature-map"][data-layer="${l}"]`) as HTMLElement).getBoundingClientRect().width),
    );
    expect(widths).toEqual([140, 120, 60, 40, 20]);
    // one legend per layer and the input, and one for the probabilities
    const sections = await page.getByTestId('layer').count();
    expect(await page.locator('[data-testid="layer"] [data-testid="legend"]').count()).toBe(sections);
    expect(await page.getByTestId('logits-label').textContent()).toContain('logits');
    expect(await page.locator('[data-testid="layer"][data-layer="dense2"] [data-testid="legend"]').getAttribute('aria-label')).toMatch(/^colour scale: logit from -/);
    // a unit of a vector layer reads out too: the logit of class 7, then its probability
    const grid = page.locator('[data-testid="unit-grid"][data-layer="dense2"]');
    await grid.scrollIntoViewIfNeeded();
    const g = await grid.boundingBox();
    if (!g) throw new Error('dense2 is not visible');
    await page.mouse.move(g.x + (7.5 * g.width) / 10, g.y + g.height / 2);
    await expect
      .poll(() => page.locator('[data-testid="unit-readout"][data-layer="dense2"]').textContent())
      .toMatch(/^dense2, unit 7 \(class 7\): the logit \(score before softmax\): the sum of 500 products \(input × weight\) \+ bias = -?[\d.]+$/);
    const pg = await page.locator('[data-testid="unit-grid"][data-layer="probabilities"]').boundingBox();
    if (!pg) throw new Error('the probabilities are not visible');
    await page.mouse.move(pg.x + (7.5 * pg.width) / 10, pg.y + pg.height / 2);
    await expect.poll(() => page.locator('[data-testid="unit-readout"][data-layer="probabilities"]').textContent()).toMatch(/^class 7: the probability e\^z \/ Σ e\^z = [\d.]+ \(\d+\.\d%\)$/);
    const probs = page.getByTestId('probabilities-layer');
    expect(await probs.textContent()).toContain('e^z_i / Σ e^z_j');
    expect(await probs.locator('[data-testid="unit-grid"]').getAttribute('data-units')).toBe('10');
    // jargon gone from the headers: plain names, the engine identifiers only as layer names
    const heads = await page.locator('[data-testid="layer"] h3').allTextContents();
    expect(heads.join(' ')).not.toMatch(/maxpool2d|conv2d/);
    expect(heads.join(' ')).toContain('max pooling');
    await page.close();
  }, 60_000);
});

describe('no dead ends', () => {
  it("the Network view draws tiny as 1 → 2 → 2 → 4 → 4 channel nodes → 10 units, LeNet's columns, and the mlp's 16 → 16 → 10 neurons", async () => {
    const page = await open('network', '?model=tiny&view=network');
    const count = (layer: string, testid: string) => page.locator(`[data-testid="${testid}"][data-layer="${layer}"]`).count();
    await expect.poll(() => count('dense1', 'neuron'), { timeout: 15_000 }).toBe(10);
    expect([await count('relu1', 'channel-node'), await count('pool1', 'channel-node'), await count('sigmoid1', 'channel-node'), await count('flatten1', 'channel-node')]).toEqual([2, 2, 4, 4]);
    // every channel-to-channel connection of tiny is drawn: 2, 2, 8, 4, 40
    const edges = await page.getByTestId('network-edges').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(edges).toEqual([2, 2, 8, 4, 40]);
    // a channel node opens the step-through of its channel's strongest pixel
    await page.locator('[data-testid="channel-node"][data-layer="sigmoid1"]').nth(2).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('step');
    expect(new URL(page.url()).searchParams.get('unit')).toMatch(/^sigmoid1:(2\d\d)$/);
    await page.getByTestId('model-picker').selectOption('lenet');
    await page.getByTestId('tab-network').click();
    await expect.poll(() => count('dense2', 'neuron'), { timeout: 15_000 }).toBe(10);
    expect([await count('conv1', 'channel-node'), await count('conv2', 'channel-node'), await count('relu1', 'neuron')]).toEqual([20, 32, 32]);
    await page.getByTestId('model-picker').selectOption('mlp');
    // LeNet also has 32 + 10 neurons drawn: wait for the mlp's own layer
    await expect.poll(() => count('sigmoid1', 'neuron'), { timeout: 15_000 }).toBe(16);
    expect(await page.getByTestId('neuron').count()).toBe(16 + 16 + 10);
    expect(await page.getByTestId('channel-node').count()).toBe(0);
    await page.close();
  }, 60_000);

  it("the Kernels view shows the mlp's first-layer weights as sixteen 28×28 images with a legend, not a message", async () => {
    const page = await open('kernels-mlp', '?model=mlp&view=kernels');
    const weights = page.locator('[data-testid="view-kernels"] [data-testid="neuron-weights"]');
    await expect.poll(() => weights.count(), { timeout: 15_000 }).toBe(16);
    expect(await weights.first().evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([28, 28]);
    // drawn: not one flat colour
    const colours = await weights.first().evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')?.getImageData(0, 0, 28, 28).data ?? new Uint8ClampedArray();
      const set = new Set<string>();
      for (let i = 0; i < d.length; i += 4) set.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return set.size;
    });
    expect(colours).toBeGreaterThan(50);
    expect(await page.locator('[data-testid="view-kernels"] [data-testid="legend"]').getAttribute('data-kind')).toBe('diverging');
    // LeNet: a legend beside each convolution's kernels
    await page.getByTestId('model-picker').selectOption('lenet');
    await expect.poll(() => page.getByTestId('kernels').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator('[data-testid="view-kernels"] [data-testid="legend"]').count()).toBe(2);
    await page.close();
  }, 60_000);

  it('one colour convention: a larger activation is darker in both the Layers and the Network view', async () => {
    const page = await open('colours', '?model=mlp&view=network');
    await drawSeven(page);
    // the mlp's sigmoid1 neurons: the one with the largest value is the darkest circle
    const fills = await page.locator('[data-testid="neuron"][data-layer="sigmoid1"]').evaluateAll((els) =>
      els.map((g) => ({ v: Number(g.getAttribute('data-value')), fill: g.querySelector('circle')?.getAttribute('fill') ?? '' })),
    );
    const lum = (f: string): number => {
      const [r, g, b] = (f.match(/\d+/g) ?? []).map(Number);
      return (r ?? 0) + (g ?? 0) + (b ?? 0);
    };
    const byValue = [...fills].sort((a, b) => a.v - b.v);
    expect(lum(byValue[byValue.length - 1].fill)).toBeLessThan(lum(byValue[0].fill));
    await page.close();
  }, 60_000);
});
