/**
 * Runs a fuzz target case by case and judges each: accepted, refused (one of the target's proper
 * errors), crash (anything else thrown, or an accepted input that breaks a promise) or hang (a
 * case that took longer than `hangMs`, whatever it returned). Two ways to drive it, one generator:
 * `fuzzTarget` counts every outcome over many cases for `npm run fuzz` (never stops early, keeps
 * the first inputs of each kind of crash), and `assertTarget` is a fast-check property for the test
 * suite, which stops at the first crash or hang and shrinks it to the fewest, smallest edits.
 * Cases run one at a time on the calling thread: a parser that never returned would stall the
 * run, which the test timeout (or the run's per-target watchdog in run.ts) then reports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { AnyTarget } from './targets.js';

export const DEFAULT_HANG_MS = 2000;

export type Outcome =
  | { kind: 'accepted'; ms: number }
  | { kind: 'refused'; ms: number; error: string }
  | { kind: 'crash'; ms: number; error: string; detail: string }
  | { kind: 'hang'; ms: number; error: string };

function errorName(e: unknown): string {
  return e instanceof Error ? e.name || e.constructor.name : typeof e;
}

export async function runCase(target: AnyTarget, input: unknown, hangMs = DEFAULT_HANG_MS): Promise<Outcome> {
  const start = performance.now();
  let thrown: unknown;
  let threw = false;
  try {
    await target.run(input);
  } catch (e) {
    thrown = e;
    threw = true;
  }
  const ms = performance.now() - start;
  if (ms > hangMs) return { kind: 'hang', ms, error: threw ? errorName(thrown) : 'accepted' };
  if (!threw) return { kind: 'accepted', ms };
  if (target.refusal(thrown)) return { kind: 'refused', ms, error: errorName(thrown) };
  const detail = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
  return { kind: 'crash', ms, error: errorName(thrown), detail };
}

export interface CrashReport {
  /** error name and the first line of its message */
  signature: string;
  count: number;
  /** the first input that gave it, base64, when it is at most 64 KiB ('' otherwise: see `saved`) */
  input: string;
  inputBytes: number;
  /** where the whole input was written, when the run was given a directory for them */
  saved?: string;
  detail: string;
}

export interface TargetSummary {
  target: string;
  what: string;
  seed: number;
  cases: number;
  accepted: number;
  refused: number;
  /** refusals by error class */
  refusals: Record<string, number>;
  crashes: number;
  hangs: number;
  /** distinct crashes (and hangs), first input of each */
  problems: CrashReport[];
  /** the slowest case: its time, outcome, and where its input was written (with a save directory) */
  slowest: { ms: number; outcome: string; inputBytes: number; saved?: string } | null;
  totalSeconds: number;
  meanMs: number;
  p99Ms: number;
  maxMs: number;
  hangMs: number;
}

const MAX_INLINE_INPUT = 64 * 1024;

/** Runs `cases` generated inputs of `target` from `seed` and counts what happened. */
export async function fuzzTarget(
  target: AnyTarget,
  opts: {
    cases: number;
    seed: number;
    hangMs?: number;
    saveDir?: string;
    /** called before each case with its index and input bytes (run.ts keeps them where its watchdog can read them) */
    beforeCase?: (index: number, bytes: Uint8Array) => void;
    /** called every 1,000 cases and at each new kind of crash, with the counts so far */
    onProgress?: (done: number, s: TargetSummary) => void;
  },
): Promise<TargetSummary> {
  const hangMs = opts.hangMs ?? DEFAULT_HANG_MS;
  const s: TargetSummary = {
    target: target.name, what: target.what, seed: opts.seed, cases: 0, accepted: 0, refused: 0, refusals: {}, crashes: 0, hangs: 0,
    problems: [], slowest: null, totalSeconds: 0, meanMs: 0, p99Ms: 0, maxMs: 0, hangMs,
  };
  let slowestInput: Uint8Array | null = null;
  const times = new Float64Array(opts.cases);
  const bySignature = new Map<string, CrashReport>();
  const started = performance.now();
  const note = (signature: string, input: unknown, detail: string): void => {
    const seen = bySignature.get(signature);
    if (seen) {
      seen.count++;
      return;
    }
    const bytes = target.bytes(input);
    const r: CrashReport = { signature, count: 1, input: bytes.length <= MAX_INLINE_INPUT ? Buffer.from(bytes).toString('base64') : '', inputBytes: bytes.length, detail: detail.slice(0, 2000) };
    if (opts.saveDir) {
      mkdirSync(opts.saveDir, { recursive: true });
      r.saved = join(opts.saveDir, `${target.name}-${bySignature.size + 1}.bin`);
      writeFileSync(r.saved, bytes);
    }
    bySignature.set(signature, r);
    s.problems.push(r);
    opts.onProgress?.(s.cases, s);
  };
  const property = fc.asyncProperty(target.inputs, async (input) => {
    opts.beforeCase?.(s.cases, target.bytes(input));
    const o = await runCase(target, input, hangMs);
    times[s.cases++] = o.ms;
    if (!s.slowest || o.ms > s.slowest.ms) {
      slowestInput = target.bytes(input);
      s.slowest = { ms: o.ms, outcome: o.kind === 'accepted' ? 'accepted' : `${o.kind} (${o.error})`, inputBytes: slowestInput.length };
    }
    if (o.kind === 'accepted') s.accepted++;
    else if (o.kind === 'refused') {
      s.refused++;
      s.refusals[o.error] = (s.refusals[o.error] ?? 0) + 1;
    } else if (o.kind === 'crash') {
      s.crashes++;
      note(`${o.error}: ${o.detail.split('\n')[0].slice(0, 160)}`, input, o.detail);
    } else {
      s.hangs++;
      note(`hang (${o.error})`, input, `${o.ms.toFixed(0)} ms`);
    }
    if (opts.onProgress && s.cases % 1000 === 0) opts.onProgress(s.cases, s);
  });
  await fc.check(property, { numRuns: opts.cases, seed: opts.seed, endOnFailure: true });
  s.totalSeconds = (performance.now() - started) / 1000;
  if (s.slowest && slowestInput && opts.saveDir) {
    mkdirSync(opts.saveDir, { recursive: true });
    s.slowest.saved = join(opts.saveDir, `${target.name}-slowest.bin`);
    writeFileSync(s.slowest.saved, slowestInput);
  }
  const done = times.subarray(0, s.cases).sort();
  s.meanMs = done.reduce((a, b) => a + b, 0) / Math.max(1, done.length);
  s.p99Ms = done[Math.min(done.length - 1, Math.floor(done.length * 0.99))] ?? 0;
  s.maxMs = done[done.length - 1] ?? 0;
  return s;
}

/**
 * For the test suite: `cases` inputs from fast-check's global seed (test/fast-check-setup.ts); the
 * first crash or hang fails the property, and fast-check shrinks it and prints its seed and path.
 */
export async function assertTarget(target: AnyTarget, cases: number, hangMs = DEFAULT_HANG_MS): Promise<{ accepted: number; refused: number }> {
  const counts = { accepted: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(target.inputs, async (input) => {
      const o = await runCase(target, input, hangMs);
      if (o.kind === 'crash') throw new Error(`${target.name}: crash: ${o.detail}`);
      if (o.kind === 'hang') throw new Error(`${target.name}: a case took ${o.ms.toFixed(0)} ms (limit ${hangMs} ms)`);
      counts[o.kind]++;
    }),
    { numRuns: cases, includeErrorInReport: true },
  );
  return counts;
}
