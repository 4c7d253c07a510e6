/**
 * The Map view's page side: each map is asked for once and kept per model, layer and digit count;
 * a map no longer shown is cancelled (its answer still kept if it comes); placing the drawn digit
 * keeps one request in flight and sends only the newest activation next; a map the worker dropped is
 * asked for again. The worker is a recording port here, answered by hand; the URL helpers too.
 */
import { describe, expect, it } from 'vitest';
import { ZOO } from '../../../src/models/zoo.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { MapClient } from './map-client.js';
import type { FromMapWorker, MapTarget, PcaMap, ToMapWorker } from './map-protocol.js';
import { readMapSettings, withMapSettings } from './map-url.js';

const lenet: ModelInfo = { name: 'lenet', title: 'lenet', trained: true, file: '/models/lenet.safetensors', testAccuracy: null, params: 0, macs: 0, spec: ZOO['lenet'].spec, source: null, command: null };
const relu1: MapTarget = { model: lenet, layer: 'relu1', count: 2000 };
const conv2: MapTarget = { model: lenet, layer: 'conv2', count: 2000 };

function setup(): { client: MapClient; sent: ToMapWorker[]; answer: (m: FromMapWorker) => void } {
  const sent: ToMapWorker[] = [];
  let on: (m: FromMapWorker) => void = () => {};
  const client = new MapClient({ post: (m) => sent.push(m), listen: (l) => (on = l) }, () => 0);
  return { client, sent, answer: (m) => on(m) };
}

function fakePca(): PcaMap {
  const z = (n: number) => new Float32Array(n);
  return { layer: 'relu1', layerIndex: 6, F: 2, N: 1, fitN: 1, points: z(2), mean: z(2), components: z(4), explained: [0.5, 0.2], euclidean: new Float64Array(100), cosine: new Float64Array(100), K: 10, predicted: new Uint8Array(1), ms: { activations: 1, pca: 1, total: 2 } };
}

describe('MapClient', () => {
  it('asks for a PCA map once, and a UMAP map only when UMAP is chosen', () => {
    const { client, sent } = setup();
    client.want(relu1, 'pca');
    client.want(relu1, 'pca');
    expect(sent.map((m) => m.type)).toEqual(['pca']);
    client.want(relu1, 'umap');
    expect(sent.map((m) => m.type)).toEqual(['pca', 'umap']);
    expect(client.activity().map((a) => a.type)).toEqual(['pca', 'umap']);
  });

  it('cancels the requests for a map no longer shown, keeps an answer that still comes, and follows progress', () => {
    const { client, sent, answer } = setup();
    client.want(relu1, 'pca');
    answer({ type: 'progress', id: 1, stage: 'activations of relu1 for 2,000 digits', done: 250, total: 2000 });
    expect(client.activity()).toEqual([{ id: 1, type: 'pca', stage: 'activations of relu1 for 2,000 digits', done: 250, total: 2000, since: 0 }]);
    client.want(conv2, 'pca');
    expect(sent.map((m) => `${m.type}${'id' in m ? m.id : ''}`)).toEqual(['pca1', 'cancel1', 'pca2']);
    const map = fakePca();
    answer({ type: 'pca', id: 1, map });
    expect(client.pcaFor(relu1)).toBe(map);
    expect(client.pcaFor(conv2)).toBeNull();
    // kept: asking again sends nothing
    client.want(relu1, 'pca');
    expect(sent.filter((m) => m.type === 'pca')).toHaveLength(2);
  });

  it('keeps one placement in flight and sends only the newest activation after it', () => {
    const { client, sent, answer } = setup();
    const a = (v: number) => new Float32Array(500).fill(v);
    client.place(relu1, a(1));
    client.place(relu1, a(2));
    client.place(relu1, a(3));
    const places = () => sent.filter((m): m is Extract<ToMapWorker, { type: 'place' }> => m.type === 'place');
    expect(places().map((m) => m.activation[0])).toEqual([1]);
    answer({ type: 'placed', id: places()[0].id, x: 1, y: 2, nearest: new Int32Array([4]), exact: false, missing: false });
    expect(client.placementFor(relu1)).toEqual({ x: 1, y: 2, nearest: new Int32Array([4]), exact: false });
    expect(places().map((m) => m.activation[0])).toEqual([1, 3]);
  });

  it('asks for a UMAP map again when the worker no longer holds it', () => {
    const { client, sent, answer } = setup();
    client.place(relu1, new Float32Array(500));
    const place = sent[0];
    if (place.type !== 'place') throw new Error('expected a placement');
    answer({ type: 'placed', id: place.id, x: NaN, y: NaN, nearest: new Int32Array(0), exact: false, missing: true });
    expect(sent.at(-1)).toMatchObject({ type: 'umap', layer: 'relu1', count: 2000 });
    expect(client.placementFor(relu1)).toBeNull();
  });

  it('reports a failure in words, with what failed', () => {
    const { client, answer } = setup();
    client.want(relu1, 'umap');
    answer({ type: 'error', id: 2, message: 'umap: needs more than 15 points (the neighbours), got 3' });
    expect(client.error).toBe('the UMAP map: umap: needs more than 15 points (the neighbours), got 3');
    expect(client.activity().map((a) => a.type)).toEqual(['pca']);
  });
});

describe('map settings in the URL', () => {
  it('reads layer, method and digit count, refusing what is not one of them', () => {
    expect(readMapSettings('?view=map&maplayer=relu1&method=umap&digits=5000')).toEqual({ layer: 'relu1', method: 'umap', count: 5000 });
    expect(readMapSettings('?maplayer=../x&method=tsne&digits=123')).toEqual({ layer: null, method: null, count: null });
  });

  it('writes them beside the other parameters, and removes the unset ones', () => {
    expect(withMapSettings('?model=lenet&view=map&digits=5000', { layer: 'conv2', method: 'pca', count: null })).toBe('?model=lenet&view=map&maplayer=conv2&method=pca');
  });
});
