/**
 * The panel's job queue, run in Node exactly as the worker runs it: the same images and top digits
 * as calling src/explain directly, bit for bit; the current channel ahead of the class row;
 * cancellations honoured between units; failures reported with the request's id.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { ZOO } from '../../../src/models/zoo.js';
import { UNTRAINED_SEED, type ModelInfo } from '../../../src/server/api-types.js';
import { maximizeActivation, topExcitingExamples } from '../../../src/explain/maximize.js';
import { generatedDigits, type DigitSet } from './looks-for-digits.js';
import { LooksForJobs, mergeExamples } from './looks-for-jobs.js';
import { DREAM_SEED, DREAM_STEPS, SCAN_CHUNK, TOP_K, type FromWorker, type ToWorker } from './looks-for-protocol.js';

// the zoo's smallest conv net (untrained, seed 1): what is tested is the scheduling and the bits
const model = new Sequential(ZOO['tiny'].spec, UNTRAINED_SEED);
const info: ModelInfo = { name: 'tiny', title: 'tiny', trained: false, file: null, testAccuracy: null, params: 0, macs: 0, spec: ZOO['tiny'].spec, source: null, command: null };
const digits = generatedDigits(300);

function images(set: DigitSet, from = 0, n = set.n): Tensor {
  return new Tensor([n, 1, 28, 28], Float32Array.from(set.pixels.subarray(from * 784, (from + n) * 784), (v) => v / 255));
}

function harness(onPost: (m: FromWorker, jobs: LooksForJobs) => void = () => {}): { jobs: LooksForJobs; posted: FromWorker[]; transfers: ArrayBuffer[][] } {
  const posted: FromWorker[] = [];
  const transfers: ArrayBuffer[][] = [];
  let t = 0;
  const jobs: LooksForJobs = new LooksForJobs({
    loadModel: async () => model,
    loadDigits: async (progress) => {
      progress(digits.n, digits.n);
      return digits;
    },
    post: (m, transfer) => {
      posted.push(m);
      transfers.push(transfer);
      onPost(m, jobs);
    },
    pause: () => new Promise((r) => setTimeout(r, 0)),
    now: () => (t += 10),
  });
  return { jobs, posted, transfers };
}

describe('mergeExamples', () => {
  it(`folding chunks of ${SCAN_CHUNK} gives one call's lists over all ${digits.n} digits (tiny conv2, k=${TOP_K})`, () => {
    const whole = topExcitingExamples(model, images(digits), 'conv2', TOP_K);
    let folded: ReturnType<typeof topExcitingExamples> = [];
    for (let s = 0; s < digits.n; s += SCAN_CHUNK) {
      const n = Math.min(SCAN_CHUNK, digits.n - s);
      folded = mergeExamples(folded, topExcitingExamples(model, images(digits, s, n), 'conv2', TOP_K), s, TOP_K);
    }
    expect(folded).toEqual(whole);
  });

  it('keeps the earlier image on a tie', () => {
    const into = [[{ image: 3, value: 2 }]];
    const chunk = [[{ image: 0, value: 2 }, { image: 1, value: 1 }]];
    expect(mergeExamples(into, chunk, 10, 2)).toEqual([[{ image: 3, value: 2 }, { image: 10, value: 2 }]]);
  });
});

describe('LooksForJobs', () => {
  it('draws class images bit for bit as maximizeActivation does, with progress, and hands the buffers over', async () => {
    const { jobs, posted, transfers } = harness();
    jobs.handle({ type: 'classes', id: 1, model: info, targets: [3, 7] });
    await jobs.idle();
    expect(posted.map((m) => `${m.type}${'target' in m ? m.target : ''}${m.type === 'progress' ? `${m.done}/${m.total}` : ''}`)).toEqual(['class3', 'progress1/2', 'class7', 'progress2/2', 'done']);
    const direct = maximizeActivation(model, { kind: 'class', target: 7 }, { steps: DREAM_STEPS, seed: DREAM_SEED });
    const seven = posted[2];
    if (seven.type !== 'class') throw new Error('expected a class image');
    expect(seven.image).toEqual(direct.image);
    expect(seven.probabilities).toEqual(direct.probabilities);
    expect(seven.score).toBe(direct.score);
    expect(transfers[2]).toEqual([seven.image.buffer, seven.probabilities.buffer]);
    expect(posted[4]).toEqual({ type: 'done', id: 1, ms: 10 });
  });

  it('puts a channel asked for during the class row ahead of the remaining classes', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'classes', id: 1, model: info, targets: [0, 1, 2] });
    jobs.handle({ type: 'channel', id: 2, model: info, layer: 'conv2', channel: 3 });
    await jobs.idle();
    const order = posted.filter((m) => m.type === 'class' || m.type === 'channel').map((m) => (m.type === 'class' ? `class ${m.target}` : 'channel'));
    expect(order).toEqual(['class 0', 'channel', 'class 1', 'class 2']);
    const ch = posted.find((m) => m.type === 'channel');
    expect(ch?.type === 'channel' && ch.image).toEqual(maximizeActivation(model, { kind: 'channel', layer: 'conv2', channel: 3 }, { steps: DREAM_STEPS, seed: DREAM_SEED }).image);
  });

  it('takes the newest channel first', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'channel', id: 1, model: info, layer: 'conv2', channel: 0 });
    jobs.handle({ type: 'channel', id: 2, model: info, layer: 'conv2', channel: 1 });
    jobs.handle({ type: 'channel', id: 3, model: info, layer: 'conv2', channel: 2 });
    await jobs.idle();
    // the first had started before the others came; then newest first
    expect(posted.filter((m) => m.type === 'channel').map((m) => m.id)).toEqual([1, 3, 2]);
  });

  it('stops a class row at the unit that was running when it was cancelled', async () => {
    const { jobs, posted } = harness((m, j) => {
      if (m.type === 'class' && m.target === 1) j.handle({ type: 'cancel', id: 1 } satisfies ToWorker);
    });
    jobs.handle({ type: 'classes', id: 1, model: info, targets: [0, 1, 2, 3, 4] });
    await jobs.idle();
    expect(posted.filter((m) => m.type === 'class').map((m) => m.type === 'class' && m.target)).toEqual([0, 1]);
    expect(posted.some((m) => m.type === 'done')).toBe(false);
  });

  it(`finds each channel's top digits in chunks once the digits have come (tiny conv2: 4 channels × ${TOP_K})`, async () => {
    const { jobs, posted, transfers } = harness();
    jobs.handle({ type: 'examples', id: 4, model: info, layer: 'conv2' });
    await jobs.idle();
    const kinds = posted.map((m) => m.type);
    expect(kinds.slice(0, 2)).toEqual(['digits-progress', 'digits']);
    expect(kinds.filter((k) => k === 'progress')).toHaveLength(Math.ceil(digits.n / SCAN_CHUNK));
    const set = posted[1];
    if (set.type !== 'digits') throw new Error('expected the digit set');
    expect(set.set.pixels).toEqual(digits.pixels);
    expect(transfers[1]).toEqual([set.set.pixels.buffer, set.set.labels.buffer]);
    const ex = posted.find((m) => m.type === 'examples');
    if (ex?.type !== 'examples') throw new Error('expected examples');
    expect(ex.lists).toEqual(topExcitingExamples(model, images(digits), 'conv2', TOP_K));
    expect(ex.lists).toHaveLength(4);
    expect(ex.lists.every((l) => l.length === TOP_K)).toBe(true);
  });

  it('reports a request it cannot do with its id, and carries on with the next', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'channel', id: 9, model: info, layer: 'conv7', channel: 0 });
    jobs.handle({ type: 'classes', id: 10, model: info, targets: [1] });
    await jobs.idle();
    expect(posted[0]).toEqual({ type: 'error', id: 9, message: "no layer named 'conv7'; the layers are conv1, relu1, pool1, conv2, sigmoid1, pool2, flatten1, dense1" });
    expect(posted.at(-1)).toEqual({ type: 'done', id: 10, ms: 10 });
  });

  it('fails the requests for top digits when the digits cannot be loaded', async () => {
    const posted: FromWorker[] = [];
    const jobs = new LooksForJobs({
      loadModel: async () => model,
      loadDigits: () => Promise.reject(new Error('out of memory')),
      post: (m) => posted.push(m),
      pause: () => new Promise((r) => setTimeout(r, 0)),
      now: () => 0,
    });
    jobs.handle({ type: 'examples', id: 5, model: info, layer: 'conv1' });
    await jobs.idle();
    expect(posted).toEqual([{ type: 'error', id: 5, message: 'could not load the digits: out of memory' }]);
  });

  it('reports a model that will not load', async () => {
    const posted: FromWorker[] = [];
    const jobs = new LooksForJobs({
      loadModel: () => Promise.reject(new Error('could not fetch /models/tiny.safetensors: HTTP 404')),
      loadDigits: async () => digits,
      post: (m) => posted.push(m),
      pause: () => new Promise((r) => setTimeout(r, 0)),
      now: () => 0,
    });
    jobs.handle({ type: 'classes', id: 1, model: info, targets: [0] });
    await jobs.idle();
    expect(posted).toEqual([{ type: 'error', id: 1, message: 'could not fetch /models/tiny.safetensors: HTTP 404' }]);
  });
});
