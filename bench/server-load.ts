/**
 * `npm run bench:server`: a bounded load test of POST /api/predict. Starts `convscope serve` (from
 * source, in a child process, as a user would run it), then drives it with autocannon from this
 * process: a warm-up, a timed run (requests/s, latency p50/p99, errors), and more requests until
 * `--requests` have been answered after the warm-up, reading the server's resident memory (RSS)
 * after the warm-up and at the end: memory that grows with requests served is a leak. Prints a
 * Markdown table and writes bench/results/<YYYY-MM-DD>.server.json.
 *
 *   npm run bench:server [-- --duration 30] [--connections 50] [--requests 100000] [--model lenet]
 *                        [--no-save] [--out FILE]
 *
 * It measures; it does not judge. The load generator shares the machine's cores with the server,
 * so the figures are a floor for what the server does on a machine of its own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { finishRun, machineInfo, startRun } from './machine.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(BENCH_DIR, '..');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    requests: { type: 'string', default: '100000' },
    warmup: { type: 'string', default: '2000' },
    model: { type: 'string', default: 'lenet' },
    'no-save': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bench:server: --${name} must be a positive integer, got '${v}'`);
  return n;
}
const duration = positiveInt('duration', args.duration);
const connections = positiveInt('connections', args.connections);
const requests = positiveInt('requests', args.requests);
const warmup = positiveInt('warmup', args.warmup);

/** A digit-like input (a ring, as a drawn 0 roughly is), written with three decimals as the app sends it. */
const pixels = Array.from({ length: 784 }, (_, i) => {
  const r = Math.hypot((i % 28) - 13.5, Math.floor(i / 28) - 13.5);
  return Math.round(Math.max(0, 1 - Math.abs(r - 7) / 2.5) * 1000) / 1000;
});
const body = JSON.stringify({ model: args.model, pixels });

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`bench:server: no VmRSS in /proc/${pid}/status`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

async function startServerProcess(): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'cli-entry.ts'), 'serve', '--port', '0'], {
    cwd: REPO_ROOT,
    // no gallery data: the server's memory is then the models' and the requests' alone
    env: { ...process.env, CONVSCOPE_DATA: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /convscope explorer: (http:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`bench:server: the server exited (${code}) before listening; it printed: ${out}`)));
  });
  if (child.pid === undefined) throw new Error('bench:server: the server has no pid');
  return { url, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

function load(url: string, opts: { duration?: number; amount?: number }): Promise<autocannon.Result> {
  return autocannon({
    url: new URL('/api/predict', url).href,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? duration }),
  });
}

const errorsOf = (r: autocannon.Result): number => r.errors + r.timeouts + r.non2xx;

const run = startRun(`npm run bench:server -- --duration ${duration} --connections ${connections} --requests ${requests} --model ${args.model}`);
const server = await startServerProcess();
try {
  const listing = await fetch(new URL('/api/models', server.url));
  if (!listing.ok) throw new Error(`bench:server: GET /api/models answered ${listing.status}`);
  const rssStart = rssMiB(server.pid);
  const check = await fetch(new URL('/api/predict', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!check.ok) throw new Error(`bench:server: POST /api/predict answered ${check.status}: ${await check.text()}`);
  const warm = await load(server.url, { amount: warmup });
  const rssBefore = rssMiB(server.pid);
  const timed = await load(server.url, { duration });
  const rest = Math.max(0, requests - timed.requests.total);
  const more = rest > 0 ? await load(server.url, { amount: rest }) : null;
  const rssAfter = rssMiB(server.pid);
  const served = timed.requests.total + (more?.requests.total ?? 0);
  const figures = {
    model: args.model,
    connections,
    durationS: timed.duration,
    requestsPerSecond: Math.round(timed.requests.average),
    latencyMs: { p50: timed.latency.p50, p90: timed.latency.p90, p99: timed.latency.p99, max: timed.latency.max },
    requestsTimed: timed.requests.total,
    errorsTimed: errorsOf(timed),
    requestsAfterWarmup: served,
    /** connection errors, timeouts and non-2xx answers, per phase */
    errors: { warmup: errorsOf(warm), timed: errorsOf(timed), rest: more ? errorsOf(more) : 0 },
    rssMiB: { start: rssStart, afterWarmup: rssBefore, afterRequests: rssAfter },
  };
  finishRun(run);
  const table = [
    `| model | connections | requests/s | p50 | p99 | errors | RSS after warm-up → after ${served.toLocaleString('en-US')} requests |`,
    '|---|---|---|---|---|---|---|',
    `| ${args.model} | ${connections} | ${figures.requestsPerSecond.toLocaleString('en-US')} | ${figures.latencyMs.p50} ms | ${figures.latencyMs.p99} ms | ${errorsOf(warm) + errorsOf(timed) + (more ? errorsOf(more) : 0)} | ${rssBefore} → ${rssAfter} MiB (at start ${rssStart}) |`,
  ].join('\n');
  process.stdout.write(`\nPOST /api/predict, ${timed.duration} s timed (${timed.requests.total.toLocaleString('en-US')} requests), load generator on the same machine; load average ${run.loadAverage.start.toFixed(2)} → ${run.loadAverage.end?.toFixed(2)}\n\n${table}\n`);
  if (!args['no-save']) {
    const out = args.out ?? join(BENCH_DIR, 'results', `${run.date.slice(0, 10)}.server.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ run, machine: machineInfo(), figures }, null, 2)}\n`);
    process.stdout.write(`\nwrote ${out}\n`);
  }
} finally {
  server.stop();
}
