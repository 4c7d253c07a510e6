/**
 * Training with fast kernels that own memory moves the parameters, their gradients and the
 * optimizer state into that memory for the run and back afterwards. Pinned here: the run gives
 * the same bits as one with the same kernels on ordinary arrays, parameters come back into their
 * own arrays (also after a failure), the kernel memory is released, and two interleaved runs do
 * not disturb each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.js';
import { setKernels } from '../engine/kernels/index.js';
import { createWasmKernels, type FastKernels } from '../engine/kernels/wasm/index.js';
import { Sequential } from '../nn/model.js';
import type { ModelSpec } from '../nn/spec.js';
import type { BatchSource } from './batch-source.js';
import { train, type Recipe } from './trainer.js';

function source(n: number, seed: number): BatchSource {
  const rng = new Rng(seed);
  const per = 64;
  const xs = Float32Array.from({ length: n * per }, () => rng.uniform(0, 1));
  const ys = Int32Array.from({ length: n }, (_, i) => (xs[i * per + 9]! > 0.5 ? 1 : 0));
  return {
    size: n,
    shape: [1, 8, 8],
    fill(x, y, order, start, count) {
      for (let b = 0; b < count; b++) {
        const i = order[start + b]!;
        x.set(xs.subarray(i * per, (i + 1) * per), b * per);
        y[b] = ys[i]!;
      }
    },
    label: (i) => ys[i]!,
  };
}

const spec: ModelSpec = {
  input: [1, 8, 8],
  normalize: { mean: 0.5, std: 0.25 },
  layers: [
    { kind: 'conv2d', outC: 4, k: 3 },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'dense', units: 5 },
    { kind: 'sigmoid' },
    { kind: 'dense', units: 2 },
  ],
};

const recipes: Recipe[] = [
  { epochs: 2, batchSize: 7, optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 1e-3 }, lr: 0.1, schedule: { kind: 'cosine' }, loss: 'xent', seed: 3, augment: false },
  { epochs: 2, batchSize: 7, optimizer: { kind: 'adamw', weightDecay: 0.01 }, lr: 0.01, schedule: { kind: 'constant' }, loss: 'xent', seed: 4, augment: false },
];

let shared: FastKernels;
let plain: FastKernels;
beforeAll(async () => {
  shared = await createWasmKernels({ sharedMemory: true });
  plain = await createWasmKernels({ sharedMemory: false });
});
afterAll(async () => {
  await shared.dispose();
  await plain.dispose();
});

async function withKernels<T>(k: FastKernels, fn: () => Promise<T>): Promise<T> {
  const previous = setKernels(k);
  try {
    return await fn();
  } finally {
    setKernels(previous);
  }
}

function paramBits(model: Sequential): number[] {
  return model.params.flatMap((p) => [...new Uint32Array(p.value.data.slice().buffer)]);
}

describe('parameters in kernel memory during training', () => {
  it('the kernels own memory here and not there (what the other tests rely on)', () => {
    expect(shared.buffers).not.toBeNull();
    expect(plain.buffers).toBeNull();
  });

  for (const recipe of recipes) {
    it(`${recipe.optimizer.kind}: same bits as training on ordinary arrays; parameters come back into their own arrays; memory released`, async () => {
      const placed = new Sequential(spec, 1);
      const homes = placed.params.map((p) => p.value.data);
      const before = paramBits(placed);
      const mark = shared.buffers!.mark();
      let sawShared = false;
      await withKernels(shared, () =>
        train(placed, source(40, 1), recipe, { onEvent: (e) => void (e.type === 'batch' && (sawShared ||= placed.params[0]!.value.data.buffer instanceof SharedArrayBuffer)) }),
      );
      expect(sawShared, 'during the run the weights lived in the shared kernel memory').toBe(true);
      expect(shared.buffers!.mark(), 'kernel buffers released').toBe(mark);
      placed.params.forEach((p, i) => {
        expect(p.value.data, `${p.name} is back in its own array`).toBe(homes[i]);
        expect(p.value.data.buffer instanceof SharedArrayBuffer).toBe(false);
        expect(p.grad.data.buffer instanceof SharedArrayBuffer).toBe(false);
      });

      const unplaced = new Sequential(spec, 1);
      await withKernels(plain, () => train(unplaced, source(40, 1), recipe));
      const after = paramBits(placed);
      expect(after).not.toEqual(before);
      expect(after).toEqual(paramBits(unplaced));
    });
  }

  it('a run that fails still puts the parameters back and frees the memory', async () => {
    const model = new Sequential(spec, 2);
    const homes = model.params.map((p) => p.value.data);
    const mark = shared.buffers!.mark();
    let placed = false;
    const failing = withKernels(shared, () =>
      train(model, source(40, 2), recipes[0]!, {
        onEvent: (e) => {
          placed ||= model.params[0]!.value.data.buffer instanceof SharedArrayBuffer;
          if (e.type === 'batch' && e.step === 3) throw new Error('listener failed');
        },
      }),
    );
    await expect(failing).rejects.toThrow('listener failed');
    expect(placed).toBe(true);
    expect(shared.buffers!.mark()).toBe(mark);
    model.params.forEach((p, i) => expect(p.value.data).toBe(homes[i]));
  });

  it('an allocation failing part way puts back what was already moved', () => {
    const model = new Sequential(spec, 3);
    const homes = model.params.map((p) => p.value.data);
    const before = paramBits(model);
    let calls = 0;
    const failing = (n: number): Float32Array => {
      if (++calls === 4) throw new Error('kernel memory cannot grow');
      return new Float32Array(n);
    };
    expect(() => model.placeParams(failing)).toThrow('kernel memory cannot grow');
    model.params.forEach((p, i) => expect(p.value.data).toBe(homes[i]));
    expect(paramBits(model)).toEqual(before);
  });

  it('two interleaved runs give what each gives alone', async () => {
    const alone = await withKernels(shared, async () => {
      const a = new Sequential(spec, 5);
      await train(a, source(40, 5), recipes[0]!);
      const b = new Sequential(spec, 6);
      await train(b, source(40, 6), recipes[1]!);
      return [paramBits(a), paramBits(b)];
    });
    const together = await withKernels(shared, async () => {
      const a = new Sequential(spec, 5), b = new Sequential(spec, 6);
      // each yields at every batch event, so their steps alternate
      const tick = () => new Promise<void>((r) => setImmediate(r));
      await Promise.all([
        train(a, source(40, 5), recipes[0]!, { onEvent: tick }),
        train(b, source(40, 6), recipes[1]!, { onEvent: tick }),
      ]);
      return [paramBits(a), paramBits(b)];
    });
    expect(together).toEqual(alone);
  });
});
