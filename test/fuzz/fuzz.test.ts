/**
 * The fuzz harness in the test suite: every parser of targets.ts on 800 to 3,000 mutated inputs
 * (12,600 in all, about 15 s on two cores), from fast-check's fixed
 * seed, so a run is deterministic and a failure is found again until it is fixed. Each case must
 * be accepted or refused with the parser's own error, within 2 s. `npm run fuzz` runs the same
 * targets 100,000 cases each. First, the harness itself: it must see a crash, a hang and a refusal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpecError } from '../../src/engine/errors.js';
import { assertTarget, fuzzTarget, runCase } from './harness.js';
import { TARGETS, type AnyTarget } from './targets.js';
import { applyByteEdits, applyJsonEdits } from './mutate.js';

function toy(run: (b: Uint8Array) => void): AnyTarget {
  return {
    name: 'toy',
    what: 'a test parser',
    inputs: fc.uint8Array({ minLength: 1, maxLength: 4 }) as fc.Arbitrary<unknown>,
    run: (b) => run(b as Uint8Array),
    refusal: (e) => e instanceof SpecError,
    bytes: (b) => b as Uint8Array,
  };
}

describe('the fuzz harness', () => {
  it('tells a refusal from a crash from a hang', async () => {
    expect((await runCase(toy(() => { throw new SpecError('no'); }), new Uint8Array(1))).kind).toBe('refused');
    const crash = await runCase(toy((b) => void new Float32Array(-b.length)), new Uint8Array(1));
    expect([crash.kind, crash.kind === 'crash' && crash.error]).toEqual(['crash', 'RangeError']);
    const slow = toy(() => {
      const end = performance.now() + 30;
      while (performance.now() < end);
    });
    expect((await runCase(slow, new Uint8Array(1), 10)).kind).toBe('hang');
    expect((await runCase(toy(() => undefined), new Uint8Array(1))).kind).toBe('accepted');
  });

  it('counts every case and keeps the first input of each kind of crash', async () => {
    const s = await fuzzTarget(toy((b) => { if (b[0] % 2) throw new TypeError('odd'); }), { cases: 200, seed: 1 });
    expect(s.cases).toBe(200);
    expect(s.accepted + s.crashes).toBe(200);
    expect(s.crashes).toBeGreaterThan(0);
    expect(s.problems.map((p) => [p.signature, p.count])).toEqual([['TypeError: TypeError: odd', s.crashes]]);
    expect(Buffer.from(s.problems[0].input, 'base64')[0] % 2).toBe(1);
  });

  it('fails the property on a crash, with the counterexample', async () => {
    await expect(assertTarget(toy((b) => { if (b[0] > 200) throw new TypeError('big'); }), 500)).rejects.toThrow(/toy: crash: TypeError: big/);
  });

  it('byte edits: truncation, insertion, length fields; JSON edits: repeat, replace', () => {
    const seed = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect([...applyByteEdits(seed, [{ op: 'truncate', at: 3 }])]).toEqual([1, 2, 3]);
    expect([...applyByteEdits(seed, [{ op: 'insert', at: 2, bytes: Uint8Array.of(9, 9) }])]).toEqual([1, 2, 9, 9, 3, 4, 5, 6, 7, 8]);
    expect([...applyByteEdits(seed, [{ op: 'field', field: 0, value: 0xffffffffn, add: false }], [{ at: 4, width: 4, le: false }])]).toEqual([1, 2, 3, 4, 255, 255, 255, 255]);
    expect([...applyByteEdits(seed, [{ op: 'field', field: 0, value: 1n, add: true }], [{ at: 0, width: 2, le: true }])]).toEqual([2, 2, 3, 4, 5, 6, 7, 8]);
    expect([...applyByteEdits(Uint8Array.of(0x08, 0x96, 0x01, 0x10), [{ op: 'field', field: 0, value: 1n, add: false }], [{ at: 1, width: 'varint', le: true }])]).toEqual([0x08, 0x01, 0x10]);
    expect(seed).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const spec = { layers: [{ kind: 'relu' }] };
    expect(applyJsonEdits(spec, [{ op: 'repeat', node: 2, times: 3 }])).toEqual({ layers: [{ kind: 'relu' }, { kind: 'relu' }, { kind: 'relu' }] });
    expect(applyJsonEdits(spec, [{ op: 'replace', node: 3, value: 1e9 }])).toEqual({ layers: [{ kind: 1e9 }] });
    expect(spec).toEqual({ layers: [{ kind: 'relu' }] });
  });
});

/** Cases per target in the test suite: the cheap parsers get more. */
const CASES: Readonly<Record<string, number>> = {
  idx: 3000,
  'idx-gzip': 800,
  spec: 1000,
  safetensors: 1000,
  onnx: 1000,
  png: 2000,
  jpeg: 800,
  'server-path': 3000,
};

describe('fuzz: every parser refuses mutated input with its own error, each case within 2 s', () => {
  const opened: AnyTarget[] = [];
  afterAll(() => opened.forEach((t) => t.close?.()));
  it('covers every target', () => expect(Object.keys(CASES).sort()).toEqual(Object.keys(TARGETS).sort()));
  for (const [name, cases] of Object.entries(CASES)) {
    it(`${name}: ${cases} mutated inputs`, async () => {
      const target = TARGETS[name]();
      opened.push(target);
      const { accepted, refused } = await assertTarget(target, cases);
      expect(accepted + refused).toBe(cases);
      // the mutations must not all bounce off the first check: some inputs still get through
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(cases / 4);
    });
  }
});
