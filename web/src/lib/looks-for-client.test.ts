/**
 * The page's side: each thing is asked for once and kept per model; a channel no longer shown is
 * cancelled; answers to cancelled requests are still kept; progress is in words. The worker is a
 * recording port here, answered by hand.
 */
import { describe, expect, it } from 'vitest';
import { ZOO } from '../../../src/models/zoo.js';
import type { ModelInfo } from '../../../src/server/api-types.js';
import { LooksForClient, modelKey } from './looks-for-client.js';
import type { FromWorker, ToWorker } from './looks-for-protocol.js';

function infoOf(name: string, file: string | null): ModelInfo {
  return { name, title: name, trained: file !== null, file, testAccuracy: null, params: 0, macs: 0, spec: ZOO[name as 'cnn'].spec, source: null, command: null };
}
const lenet = infoOf('lenet', '/models/lenet.safetensors');
const cnn = infoOf('cnn', '/models/cnn.safetensors');

function setup(): { client: LooksForClient; sent: ToWorker[]; answer: (m: FromWorker) => void; changes: () => number } {
  const sent: ToWorker[] = [];
  let on: (m: FromWorker) => void = () => {};
  const client = new LooksForClient({ post: (m) => sent.push(m), listen: (l) => (on = l) });
  let n = 0;
  client.onchange(() => n++);
  return { client, sent, answer: (m) => on(m), changes: () => n };
}

const image = (v: number) => new Float32Array(784).fill(v);
const probs = (d: number) => Float32Array.from({ length: 10 }, (_, i) => (i === d ? 0.91 : 0.01));

describe('LooksForClient', () => {
  it('keys models by name and file', () => {
    expect(modelKey(lenet)).toBe('lenet|/models/lenet.safetensors');
    expect(modelKey(infoOf('lenet', null))).toBe('lenet|untrained');
  });

  it('asks for the class row once, keeps the images, and asks only for what is missing', () => {
    const { client, sent, answer } = setup();
    client.wantClasses(lenet, 10);
    client.wantClasses(lenet, 10);
    expect(sent).toEqual([{ type: 'classes', id: 1, model: lenet, targets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }]);
    expect(client.activity()).toEqual([{ id: 1, what: 'class images (lenet)', done: 0, total: 10 }]);
    answer({ type: 'class', id: 1, target: 0, image: image(0.5), probabilities: probs(0), score: 12 });
    answer({ type: 'progress', id: 1, done: 1, total: 10 });
    expect(client.activity()).toEqual([{ id: 1, what: 'class images (lenet)', done: 1, total: 10 }]);
    expect(client.resultsFor(lenet).classes[0]?.score).toBe(12);
    // switching models cancels the rest of the row; coming back asks only for classes 1..9
    client.focusModel(cnn);
    expect(sent.at(-1)).toEqual({ type: 'cancel', id: 1 });
    expect(client.activity()).toEqual([]);
    client.focusModel(lenet);
    client.wantClasses(lenet, 10);
    expect(sent.at(-1)).toEqual({ type: 'classes', id: 2, model: lenet, targets: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
  });

  it('records the time of a complete row', () => {
    const { client, answer } = setup();
    client.wantClasses(cnn, 2);
    answer({ type: 'class', id: 1, target: 0, image: image(0.1), probabilities: probs(0), score: 1 });
    answer({ type: 'class', id: 1, target: 1, image: image(0.2), probabilities: probs(1), score: 2 });
    answer({ type: 'done', id: 1, ms: 640 });
    expect(client.resultsFor(cnn).classesMs).toBe(640);
    expect(client.activity()).toEqual([]);
  });

  it('cancels the channel no longer shown and still keeps its image if it comes', () => {
    const { client, sent, answer } = setup();
    client.wantChannel(lenet, 'conv2', 3);
    client.wantChannel(lenet, 'conv2', 3);
    client.wantChannel(lenet, 'conv2', 4);
    expect(sent).toEqual([
      { type: 'channel', id: 1, model: lenet, layer: 'conv2', channel: 3 },
      { type: 'cancel', id: 1 },
      { type: 'channel', id: 2, model: lenet, layer: 'conv2', channel: 4 },
    ]);
    // channel 3's unit was already running: its answer comes anyway and is kept
    answer({ type: 'channel', id: 1, image: image(0.3), probabilities: probs(3), score: 0.7 });
    answer({ type: 'channel', id: 2, image: image(0.4), probabilities: probs(4), score: 0.8 });
    answer({ type: 'done', id: 2, ms: 250 });
    const r = client.resultsFor(lenet);
    expect([...r.channels.keys()]).toEqual(['conv2:3', 'conv2:4']);
    expect(r.channels.get('conv2:4')?.ms).toBe(250);
    client.wantChannel(lenet, 'conv2', 3);
    expect(sent).toHaveLength(3);
    // results are per model
    expect(client.resultsFor(cnn).channels.size).toBe(0);
  });

  it('asks for the digits once, with the first request for top digits', () => {
    const { client, sent, answer } = setup();
    client.wantExamples(lenet, 'conv1');
    client.wantExamples(lenet, 'conv1');
    client.wantExamples(lenet, 'conv2');
    expect(sent.map((m) => m.type + ('layer' in m ? ` ${m.layer}` : ''))).toEqual(['digits', 'examples conv1', 'examples conv2']);
    answer({ type: 'digits-progress', done: 100, total: 2000 });
    expect(client.digitsProgress).toEqual({ done: 100, total: 2000 });
    const set = { pixels: new Uint8Array(784), labels: new Uint8Array(1), n: 1, source: 'mnist' as const, note: 'the first 1 MNIST test digits' };
    answer({ type: 'digits', set });
    expect(client.digits).toBe(set);
    expect(client.digitsProgress).toBeNull();
    answer({ type: 'examples', id: 1, lists: [[{ image: 0, value: 3 }]] });
    answer({ type: 'done', id: 1, ms: 90 });
    expect(client.resultsFor(lenet).examples.get('conv1')).toEqual({ lists: [[{ image: 0, value: 3 }]], ms: 90 });
  });

  it('says which request failed and why, and tells its listeners about every answer', () => {
    const { client, answer, changes } = setup();
    client.wantChannel(lenet, 'conv9', 0);
    const before = changes();
    answer({ type: 'error', id: 1, message: "no layer named 'conv9'" });
    expect(client.error).toBe("conv9 channel 0's image (lenet): no layer named 'conv9'");
    expect(client.activity()).toEqual([]);
    answer({ type: 'engine', label: 'WebAssembly SIMD, 1 thread', inWorker: true });
    expect(client.engine).toEqual({ label: 'WebAssembly SIMD, 1 thread', inWorker: true });
    expect(changes()).toBe(before + 2);
  });
});
