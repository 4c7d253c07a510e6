/**
 * Imports flow one way: engine ← nn ← train, data, io, models, explain ← cli, server, web. The
 * platform-neutral layers never import Node built-ins, except in files named node-*.ts. Nothing in
 * the library imports the web app, and the web app keeps no explanation code of its own.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { REPO_ROOT } from './helpers.js';

const SRC = join(REPO_ROOT, 'src');
const RANK: Record<string, number> = { engine: 0, nn: 1, models: 2, train: 2, data: 2, io: 2, explain: 2, cli: 3, server: 3 };
const PLATFORM_NEUTRAL = ['engine', 'nn', 'models', 'train', 'data', 'io', 'explain'];
const WEB = join(REPO_ROOT, 'web', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.generated.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
}

const area = (file: string) => relative(SRC, file).split('/')[0];

describe('import direction', () => {
  const all = files(SRC);
  it('finds the source tree', () => expect(all.length).toBeGreaterThan(30));

  it('no module imports a layer above its own', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = area(f);
      if (!(from in RANK)) continue;
      for (const spec of imports(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        const to = area(target);
        if (to in RANK && RANK[to] > RANK[from]) bad.push(`${relative(REPO_ROOT, f)} imports ${spec} (${from} → ${to})`);
        if (from !== 'cli' && to === 'cli') bad.push(`${relative(REPO_ROOT, f)} imports the CLI (${spec})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('platform-neutral code imports no Node built-ins (outside node-*.ts files)', () => {
    const bad: string[] = [];
    for (const f of all) {
      const a = area(f);
      if (!PLATFORM_NEUTRAL.includes(a)) continue;
      const base = f.split('/').pop() ?? '';
      if (base.startsWith('node-')) continue;
      for (const spec of imports(f)) if (spec.startsWith('node:') || ['fs', 'path', 'os', 'zlib', 'crypto', 'worker_threads'].includes(spec)) bad.push(`${relative(REPO_ROOT, f)} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('the library never imports the web app', () => {
    const bad = all.flatMap((f) => imports(f).filter((s) => s.startsWith('.') && resolve(dirname(f), s).startsWith(join(REPO_ROOT, 'web') + '/')).map((s) => `${relative(REPO_ROOT, f)} imports ${s}`));
    expect(bad).toEqual([]);
  });

  it('the web app reaches explanations through src/explain, keeping none of its own', () => {
    const names = readdirSync(join(WEB, 'lib'));
    expect(names.filter((n) => /explain|receptive|geometry/.test(n))).toEqual([]);
    const bad: string[] = [];
    for (const f of [...files(WEB), ...svelteFiles(WEB)]) {
      // the conv tap formula (iy = y·stride − pad + ky·dilation) lives in src/explain/receptive-field.ts
      if (/stride[HW]?\s*-\s*\w*\.?pad/.test(readFileSync(f, 'utf8'))) bad.push(relative(REPO_ROOT, f));
    }
    expect(bad).toEqual([]);
  });
});

function svelteFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return svelteFiles(p);
    return p.endsWith('.svelte') ? [p] : [];
  });
}
