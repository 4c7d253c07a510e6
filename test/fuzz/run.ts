/**
 * `npm run fuzz`: every parser fuzzed with corpus mutation (targets.ts), 100,000 cases each by
 * default, one target after another, each in a worker thread watched from here so that a parser
 * stuck in a loop is reported (and the run goes on) instead of stalling it. Prints a table of
 * cases, refusals, crashes, hangs and times, and writes the whole summary (the first input of each
 * distinct crash included, base64) to test/fuzz/results/<date>.json.
 *
 *   npm run fuzz -- [--cases N] [--target idx,spec,...] [--seed S] [--hang-ms MS] [--out FILE]
 *
 * Same seed, same cases: a crash found once is found again. It is not a test (the test suite runs
 * a few hundred cases per parser through fuzz.test.ts); it exits 1 when anything crashed or hung.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_HANG_MS, fuzzTarget, type TargetSummary } from './harness.js';
import { TARGETS } from './targets.js';

interface Job {
  target: string;
  cases: number;
  seed: number;
  hangMs: number;
  saveDir: string;
  /** [case index, input length] as Int32, then the input's bytes: what the watchdog saves when a case never returns */
  current: SharedArrayBuffer;
}

/** Inputs up to this size are kept for the watchdog; larger ones only by their length. */
const MAX_KEPT = 16 * 1024 * 1024;

type Message = { type: 'progress'; done: number; partial: TargetSummary } | { type: 'done'; summary: TargetSummary };

/** A worker with no progress for this long is taken to be stuck in one case. */
const STALL_MS = 60_000;

async function inWorker(job: Job): Promise<void> {
  const target = TARGETS[job.target]();
  const head = new Int32Array(job.current, 0, 2);
  const body = new Uint8Array(job.current, 8);
  const beforeCase = (index: number, bytes: Uint8Array): void => {
    if (bytes.length <= body.length) body.set(bytes);
    Atomics.store(head, 1, bytes.length);
    Atomics.store(head, 0, index);
  };
  try {
    const summary = await fuzzTarget(target, { cases: job.cases, seed: job.seed, hangMs: job.hangMs, saveDir: job.saveDir, beforeCase, onProgress: (done, partial) => parentPort!.postMessage({ type: 'progress', done, partial } satisfies Message) });
    parentPort!.postMessage({ type: 'done', summary } satisfies Message);
  } finally {
    target.close?.();
  }
}

function runJob(job: Job, onProgress: (done: number) => void): Promise<TargetSummary> {
  return new Promise((resolvePromise, reject) => {
    // A worker does not inherit tsx's loader from --import on Node 20: it registers it itself.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    let last = Date.now();
    const began = last;
    let partial: TargetSummary | null = null;
    let finished = false;
    const watchdog = setInterval(() => {
      if (Date.now() - last < STALL_MS) return;
      finished = true;
      clearInterval(watchdog);
      void worker.terminate();
      const head = new Int32Array(job.current, 0, 2);
      const [index, length] = [Atomics.load(head, 0), Atomics.load(head, 1)];
      let saved: string | undefined;
      if (length <= MAX_KEPT) {
        mkdirSync(job.saveDir, { recursive: true });
        saved = join(job.saveDir, `${job.target}-stalled.bin`);
        writeFileSync(saved, new Uint8Array(job.current, 8, length));
      }
      // the counts up to the last report, the stuck case as one more hang; the run stops there
      const base: TargetSummary = partial ?? {
        target: job.target, what: '', seed: job.seed, cases: 0, accepted: 0, refused: 0, refusals: {}, crashes: 0, hangs: 0, problems: [],
        slowest: null, totalSeconds: 0, meanMs: 0, p99Ms: 0, maxMs: 0, hangMs: job.hangMs,
      };
      resolvePromise({
        ...base,
        what: `${base.what} — stopped: case ${index} never returned`,
        cases: index + 1,
        hangs: base.hangs + 1,
        problems: [...base.problems, { signature: `stalled: case ${index} (${length} bytes) had not returned after ${STALL_MS / 1000} s`, count: 1, input: '', inputBytes: length, ...(saved ? { saved } : {}), detail: `rerun with --target ${job.target} --seed ${job.seed}` }],
        totalSeconds: (Date.now() - began) / 1000,
        maxMs: STALL_MS,
      });
    }, 1000);
    worker.on('message', (m: Message) => {
      last = Date.now();
      if (m.type === 'progress') {
        partial = m.partial;
        onProgress(m.done);
      } else {
        finished = true;
        clearInterval(watchdog);
        resolvePromise(m.summary);
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      if (!finished) reject(e);
    });
  });
}

function parseArgs(argv: readonly string[]): { cases: number; targets: string[]; seed: number; hangMs: number; out: string | null } {
  const o = { cases: 100_000, targets: Object.keys(TARGETS), seed: 20261122, hangMs: DEFAULT_HANG_MS, out: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    const int = (): number => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
      return n;
    };
    if (flag === '--cases') o.cases = int();
    else if (flag === '--seed') o.seed = int();
    else if (flag === '--hang-ms') o.hangMs = int();
    else if (flag === '--out') o.out = value ?? null;
    else if (flag === '--target') {
      o.targets = (value ?? '').split(',');
      const unknown = o.targets.find((t) => !(t in TARGETS));
      if (unknown !== undefined) throw new Error(`unknown target ${JSON.stringify(unknown)}; the targets are ${Object.keys(TARGETS).join(', ')}`);
    } else throw new Error(`unknown option ${JSON.stringify(flag)}; see the header of test/fuzz/run.ts`);
  }
  return o;
}

function table(rows: TargetSummary[]): string {
  const head = ['parser', 'cases', 'accepted', 'refused', 'crashes', 'hangs', 'mean ms', 'p99 ms', 'max ms', 'time s'];
  const body = rows.map((r) => [r.target, r.cases, r.accepted, r.refused, r.crashes, r.hangs, r.meanMs.toFixed(3), r.p99Ms.toFixed(2), r.maxMs.toFixed(1), r.totalSeconds.toFixed(1)].map((v) => (typeof v === 'number' ? v.toLocaleString('en-US') : v)));
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const summaries: TargetSummary[] = [];
  const started = Date.now();
  const root = resolve(import.meta.dirname, '..', '..');
  // inputs that crashed or hung, whole, for replay (.cache is not committed)
  const saveDir = join(root, '.cache', 'fuzz');
  for (const target of o.targets) {
    process.stderr.write(`${target}: `);
    let shown = 0;
    const s = await runJob({ target, cases: o.cases, seed: o.seed, hangMs: o.hangMs, saveDir, current: new SharedArrayBuffer(8 + MAX_KEPT) }, (done) => {
      if (done - shown >= o.cases / 10) {
        shown = done;
        process.stderr.write(`${Math.round((100 * done) / o.cases)}% `);
      }
    });
    process.stderr.write(`${s.cases.toLocaleString('en-US')} cases, ${s.crashes} crashes, ${s.hangs} hangs, ${s.totalSeconds.toFixed(1)} s\n`);
    summaries.push(s);
  }
  const out = o.out ?? join(root, 'test', 'fuzz', 'results', `${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const command = `npm run fuzz${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const report = { date: new Date().toISOString(), command, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, seed: o.seed, casesPerTarget: o.cases, hangMs: o.hangMs, totalSeconds: (Date.now() - started) / 1000, targets: summaries };
  // saved inputs by their path in the repository, not on this machine
  for (const t of summaries) {
    for (const p of t.problems) if (p.saved) p.saved = relative(root, p.saved);
    if (t.slowest?.saved) t.slowest.saved = relative(root, t.slowest.saved);
  }
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`${table(summaries)}\n\nseed ${o.seed}; a case over ${o.hangMs} ms counts as a hang; summary in ${relative(process.cwd(), out)}\n`);
  for (const s of summaries) for (const p of s.problems) process.stdout.write(`${s.target}: ${p.count}× ${p.signature}${p.saved ? ` (input: ${p.saved})` : ''}\n`);
  return summaries.some((s) => s.crashes > 0 || s.hangs > 0) ? 1 : 0;
}

if (isMainThread) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
} else {
  void inWorker(workerData as Job);
}
