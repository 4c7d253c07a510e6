/**
 * Runs the peers as child processes and reads their JSON: PyTorch through Debian's
 * /usr/bin/python3 (bench/peers/torch_bench.py) and TF.js through this Node with tsx
 * (bench/peers/tfjs-bench.ts), one process per backend. A peer that is missing or fails comes back
 * as `{ na: reason }` with what to install, never as an exception. No measuring happens here.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchModel, ModelFigures, NotAvailable, Workload } from '../figures.js';
import type { TfjsBackend, TfjsReport } from './tfjs-bench.js';

export const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
const TFJS_SCRIPT = fileURLToPath(new URL('./tfjs-bench.ts', import.meta.url));

export interface TorchReport {
  version: string;
  threads: number;
  blas: string[];
  openblas: boolean;
  mkldnn: boolean;
  cpuCapability: string | null;
  python: string;
  models: Partial<Record<BenchModel, ModelFigures>>;
}

interface ChildResult {
  code: number | null;
  stdout: string;
  /** the last lines it wrote to stderr (all of it was also passed through) */
  stderrTail: string;
  spawnError: string | null;
}

function runChild(cmd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
      process.stderr.write(s);
    });
    child.on('error', (e) => resolve({ code: null, stdout, stderrTail: stderr, spawnError: e.message }));
    child.on('close', (code) => resolve({ code, stdout, stderrTail: stderr, spawnError: null }));
  });
}

/** The last JSON object line of stdout, or a reason why there is none. */
function parseReport<T>(what: string, r: ChildResult, hint: (tail: string) => string | null): T | NotAvailable {
  if (r.spawnError !== null) return { na: `${what} could not start: ${r.spawnError}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) {
    const lastLine = r.stderrTail.trim().split('\n').pop() ?? '';
    return { na: hint(r.stderrTail) ?? `${what} exited with code ${r.code}: ${lastLine}` };
  }
  try {
    return JSON.parse(line) as T;
  } catch (e) {
    return { na: `${what} printed no valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * PyTorch as Debian ships it, and tuned for a small shared machine: torch's OpenMP threads sleep
 * instead of spinning while they wait, and OpenBLAS stays on the calling thread instead of starting
 * its own pool beside torch's (two busy-waiting pools on two cores slow PyTorch down many times
 * over whenever anything else runs). The report takes the better of the two for each figure.
 */
export const TORCH_ENVS: Readonly<Record<'default' | 'tuned', Readonly<Record<string, string>>>> = {
  default: {},
  tuned: { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: '1' },
};

export async function runTorch(
  dataDir: string,
  w: Workload,
  models: readonly BenchModel[],
  threads: number,
  env: Readonly<Record<string, string>> = {},
): Promise<TorchReport | NotAvailable> {
  const r = await runChild(PYTHON, [TORCH_SCRIPT, '--data', dataDir, '--threads', String(threads), '--models', models.join(','), '--workload', JSON.stringify(w)], env);
  return parseReport<TorchReport>('PyTorch', r, (tail) => {
    if (r.spawnError !== null || /ENOENT/.test(tail)) return `no ${PYTHON}: apt-get install -y python3-torch libopenblas0-pthread`;
    if (/No module named '?torch/.test(tail)) return `PyTorch is not installed for ${PYTHON}: apt-get install -y python3-torch libopenblas0-pthread`;
    return null;
  });
}

export async function runTfjsBackend(backend: TfjsBackend, dataDir: string, w: Workload, models: readonly BenchModel[]): Promise<TfjsReport | NotAvailable> {
  const r = await runChild(process.execPath, [
    '--import',
    import.meta.resolve('tsx'),
    TFJS_SCRIPT,
    '--backend',
    backend,
    '--data',
    dataDir,
    '--models',
    models.join(','),
    '--workload',
    JSON.stringify(w),
  ]);
  return parseReport<TfjsReport>(`TF.js ${backend}`, r, (tail) =>
    /Cannot find (package|module) '@tensorflow/.test(tail) ? 'TF.js is not installed: npm install --save-dev @tensorflow/tfjs @tensorflow/tfjs-backend-wasm' : null,
  );
}
