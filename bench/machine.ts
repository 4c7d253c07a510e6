/**
 * What the figures were measured on: CPU model and family from /proc/cpuinfo, cores, memory,
 * load, OS, Node/V8 and the installed TF.js. Linux-first; elsewhere the CPU comes from os.cpus().
 * It reads; it does not judge whether the machine was quiet enough.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface MachineInfo {
  cpu: string;
  /** vendor, family, model, stepping from /proc/cpuinfo, e.g. 'AuthenticAMD family 26 model 2 stepping 1' */
  cpuId: string | null;
  /** the SIMD extensions that matter for the kernels and the peers */
  simd: string[];
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  tfjs: string | null;
  /** filled in from the PyTorch child's report */
  torch?: string | null;
}

/** When and how a section ran; the load average says how much else the machine was doing. */
export interface RunInfo {
  date: string;
  command: string;
  /** 1-minute load average at the start and end: above the core count, other work skewed the figures */
  loadAverage: { start: number; end: number | null };
  seconds: number | null;
}

function cpuinfo(): Record<string, string> {
  try {
    const first = readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0];
    return Object.fromEntries(
      first
        .split('\n')
        .map((l) => l.split(':').map((s) => s.trim()))
        .filter((kv) => kv.length >= 2)
        .map(([k, ...v]) => [k, v.join(':')]),
    );
  } catch {
    return {};
  }
}

export function packageVersion(name: string): string | null {
  try {
    const pkg = createRequire(import.meta.url)(`${name}/package.json`) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const info = cpuinfo();
  const flags = new Set((info['flags'] ?? '').split(/\s+/));
  const id = info['vendor_id'] ? `${info['vendor_id']} family ${info['cpu family']} model ${info['model']} stepping ${info['stepping']}` : null;
  return {
    cpu: info['model name'] ?? cpus()[0]?.model ?? 'unknown',
    cpuId: id,
    simd: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16'].filter((f) => flags.has(f)),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    tfjs: packageVersion('@tensorflow/tfjs'),
  };
}

export function startRun(command: string): RunInfo {
  return { date: new Date().toISOString(), command, loadAverage: { start: loadavg()[0], end: null }, seconds: null };
}

export function finishRun(r: RunInfo): RunInfo {
  r.loadAverage.end = loadavg()[0];
  r.seconds = Math.round((Date.now() - Date.parse(r.date)) / 100) / 10;
  return r;
}
