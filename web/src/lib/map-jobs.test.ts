/**
 * The Map view's job queue, run in Node exactly as the worker runs it: the PCA map and the class
 * distances are src/explain's own on the same activations, the model's answers are predict()'s, the
 * UMAP map is umap()'s with the view's seed, a digit of the map is placed on its own dot; PCA before
 * UMAP; cancellations honoured between batches; failures reported with the request's id.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../../src/nn/model.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { ZOO } from '../../../src/models/zoo.js';
import { UNTRAINED_SEED, type ModelInfo } from '../../../src/server/api-types.js';
import { predict } from '../../../src/nn/predict.js';
import { collectActivations } from '../../../src/explain/activations.js';
import { pca, umap } from '../../../src/explain/projection.js';
import { classGeometry } from '../../../src/explain/class-geometry.js';
import { generatedDigits } from './looks-for-digits.js';
import { MapJobs, fitCount } from './map-jobs.js';
import { projectOnAxes } from './map-space.js';
import { INPUT_LAYER, MAP_CHUNK, PCA_ITERATIONS, UMAP_SEED, type FromMapWorker, type ToMapWorker } from './map-protocol.js';

// the zoo's smallest conv net (untrained, seed 1): what is tested is the plumbing and the bits
const model = new Sequential(ZOO['tiny'].spec, UNTRAINED_SEED);
const info: ModelInfo = { name: 'tiny', title: 'tiny', trained: false, file: null, testAccuracy: null, params: 0, macs: 0, spec: ZOO['tiny'].spec, source: null, command: null };
const digits = generatedDigits(600);
const images = new Tensor([digits.n, 1, 28, 28], Float32Array.from(digits.pixels, (v) => v / 255));

function harness(onPost: (m: FromMapWorker, jobs: MapJobs) => void = () => {}): { jobs: MapJobs; posted: FromMapWorker[] } {
  const posted: FromMapWorker[] = [];
  let t = 0;
  const jobs: MapJobs = new MapJobs({
    loadModel: async () => model,
    loadDigits: async (count, progress) => {
      progress(digits.n, digits.n);
      return digits;
    },
    post: (m) => {
      posted.push(m);
      onPost(m, jobs);
    },
    pause: () => new Promise((r) => setTimeout(r, 0)),
    now: () => (t += 10),
  });
  return { jobs, posted };
}

function only<T extends FromMapWorker['type']>(posted: FromMapWorker[], type: T): Extract<FromMapWorker, { type: T }>[] {
  return posted.filter((m): m is Extract<FromMapWorker, { type: T }> => m.type === type);
}

describe('fitCount', () => {
  it('fits PCA on the first 2,000 digits of narrow layers and on fewer of wide ones (5,000 digits: relu1 500 → 2,000, conv1 11,520 → 347)', () => {
    expect(fitCount(5000, 500)).toBe(2000);
    expect(fitCount(1500, 500)).toBe(1500);
    expect(fitCount(5000, 11520)).toBe(347);
    expect(fitCount(5000, 10_000_000)).toBe(50);
    expect(fitCount(30, 11520)).toBe(30);
  });
});

describe('MapJobs', () => {
  it(`makes tiny pool2's PCA map (600 digits, ${MAP_CHUNK} a batch) as pca(), classGeometry() and predict() do`, async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'pca', id: 1, model: info, layer: 'pool2', count: 2000 });
    await jobs.idle();
    expect(posted.map((m) => m.type).slice(0, 2)).toEqual(['digits-progress', 'digits']);
    expect(only(posted, 'progress').filter((p) => p.total > 0).map((p) => p.done)).toEqual([250, 500, 600]);
    const [msg] = only(posted, 'pca');
    const map = msg.map;
    const act = collectActivations(model, images, 'pool2');
    expect([map.layer, map.layerIndex, map.F, map.N, map.fitN, map.K]).toEqual(['pool2', 5, 100, 600, 600, 10]);
    const p = pca(act.data, 600, 100, 2, { iterations: PCA_ITERATIONS });
    expect(map.mean).toEqual(Float32Array.from(p.mean));
    expect(map.components).toEqual(Float32Array.from(p.components));
    expect(map.explained).toEqual([p.explained[0], p.explained[1]]);
    for (const n of [0, 17, 599]) {
      const [x, y] = projectOnAxes(act.data.subarray(n * 100, (n + 1) * 100), p.mean, p.components, 100);
      expect(map.points[n * 2]).toBeCloseTo(x, 4);
      expect(map.points[n * 2 + 1]).toBeCloseTo(y, 4);
    }
    const geo = classGeometry(act.data, 600, 100, digits.labels, 10);
    expect(map.euclidean).toEqual(geo.euclidean);
    expect(map.cosine).toEqual(geo.cosine);
    expect(Array.from(map.predicted)).toEqual(Array.from(predict(model, images).digits));
    expect(only(posted, 'done')).toEqual([{ type: 'done', id: 1, ms: expect.any(Number) }]);
  });

  it('maps the input pixels themselves (784 features)', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'pca', id: 2, model: info, layer: INPUT_LAYER, count: 2000 });
    await jobs.idle();
    const [msg] = only(posted, 'pca');
    expect([msg.map.layerIndex, msg.map.F]).toEqual([-1, 784]);
    expect(msg.map.mean).toEqual(Float32Array.from(pca(images.data, 600, 784, 2, { iterations: PCA_ITERATIONS }).mean));
  });

  it('makes the UMAP map umap() makes with the view\'s seed, and places a digit of the map on its own dot', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'umap', id: 3, model: info, layer: 'flatten1', count: 2000 });
    jobs.handle({ type: 'pca', id: 4, model: info, layer: 'flatten1', count: 2000 });
    await jobs.idle();
    // the PCA map first, though asked for second
    expect(posted.filter((m) => m.type === 'pca' || m.type === 'umap').map((m) => m.type)).toEqual(['pca', 'umap']);
    const [u] = only(posted, 'umap');
    const act = collectActivations(model, images, 'flatten1');
    expect(u.map.points).toEqual(umap(act.data, 600, 100, { seed: UMAP_SEED }));
    expect([u.map.D, u.map.F]).toEqual([100, 100]);
    jobs.handle({ type: 'place', id: 5, model: info, layer: 'flatten1', count: 2000, activation: act.data.slice(42 * 100, 43 * 100) });
    const [placed] = only(posted, 'placed');
    expect(placed).toMatchObject({ id: 5, x: u.map.points[84], y: u.map.points[85], exact: true, missing: false });
    expect(placed.nearest[0]).toBe(42);
    // a map it never made: it says so, so the page can ask for it again
    jobs.handle({ type: 'place', id: 6, model: info, layer: 'pool1', count: 2000, activation: new Float32Array(288) });
    expect(only(posted, 'placed')[1]).toMatchObject({ id: 6, missing: true });
  });

  it('runs a UMAP map of a layer wider than 1,024 (tiny conv1, 1,152) on a projection to 256', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'umap', id: 7, model: info, layer: 'conv1', count: 2000 });
    await jobs.idle();
    const [u] = only(posted, 'umap');
    expect([u.map.D, u.map.F, u.map.points.length]).toEqual([256, 1152, 1200]);
    expect(only(posted, 'progress').some((p) => p.stage === 'UMAP of 600 digits, 1,152 features projected to 256')).toBe(true);
  });

  it('stops a map between batches when it is cancelled, and sends nothing for it', async () => {
    const { jobs, posted } = harness((m, j) => {
      if (m.type === 'progress' && m.id === 8 && m.done === 250) j.handle({ type: 'cancel', id: 8 } satisfies ToMapWorker);
    });
    jobs.handle({ type: 'pca', id: 8, model: info, layer: 'pool2', count: 2000 });
    await jobs.idle();
    expect(only(posted, 'progress').map((p) => p.done)).toEqual([250]);
    expect(only(posted, 'pca')).toEqual([]);
    expect(only(posted, 'done')).toEqual([]);
  });

  it('reports a layer the model does not have with its id, naming the layers, and carries on', async () => {
    const { jobs, posted } = harness();
    jobs.handle({ type: 'pca', id: 9, model: info, layer: 'conv7', count: 2000 });
    jobs.handle({ type: 'pca', id: 10, model: info, layer: 'dense1', count: 2000 });
    await jobs.idle();
    expect(only(posted, 'error')).toEqual([
      { type: 'error', id: 9, message: "map: the model has no layer 'conv7'; its layers are input, conv1, relu1, pool1, conv2, sigmoid1, pool2, flatten1, dense1" },
    ]);
    expect(only(posted, 'pca').map((m) => m.id)).toEqual([10]);
  });
});
