import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkWritable, FileIoError, readFileLimited, removeStaleTemps, writeFileAtomic } from './node-atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convscope-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);
const tempFiles = async (d = dir) => (await readdir(d)).filter((f) => f.endsWith('.tmp'));

/** The FileIoError `p` rejects with; fails the test on success or on any other error. */
async function refusal(p: Promise<unknown>): Promise<FileIoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FileIoError) return e;
    throw new Error(`expected a FileIoError, got ${String(e)}`);
  }
  throw new Error('expected a FileIoError, but it succeeded');
}

describe('writeFileAtomic', () => {
  it('creates a new file and leaves no temp file', async () => {
    const p = join(dir, 'model.safetensors');
    await writeFileAtomic(p, bytes('new'));
    expect(await readFile(p, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('replaces an existing file and keeps its permission bits', async () => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, 'old content that is longer');
    await chmod(p, 0o640);
    await writeFileAtomic(p, bytes('new'));
    expect(await readFile(p, 'utf8')).toBe('new');
    expect((await stat(p)).mode & 0o777).toBe(0o640);
    expect(await tempFiles()).toEqual([]);
  });

  it('writes through a symlink to the file it points at', async () => {
    const real = join(dir, 'real.bin');
    const link = join(dir, 'link.bin');
    await writeFile(real, 'old');
    await symlink(real, link);
    await writeFileAtomic(link, bytes('new'));
    expect(await readFile(real, 'utf8')).toBe('new');
    expect((await stat(link)).isFile()).toBe(true);
    expect(await tempFiles()).toEqual([]);
  });

  it('refuses a missing directory with a clear message and creates nothing', async () => {
    const p = join(dir, 'no-such-dir', 'model.safetensors');
    const e = await refusal(writeFileAtomic(p, bytes('x')));
    expect(e.path).toBe(p);
    expect(e.message).toBe(
      `cannot write ${p} (failed to create a temp file in its directory; previous file left as it was): directory ${join(dir, 'no-such-dir')} does not exist`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a directory as the target and leaves it alone', async () => {
    const p = join(dir, 'sub');
    await mkdir(p);
    await writeFile(join(p, 'keep'), 'k');
    expect((await refusal(writeFileAtomic(p, bytes('x')))).message).toBe(`cannot write ${p}: it is a directory`);
    expect(await readdir(p)).toEqual(['keep']);
    expect(await tempFiles()).toEqual([]);
  });

  it('a write failing half way leaves the old file intact and removes the temp file', async () => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, 'old');
    const boom = new Error('ENOSPC: no space left on device (simulated)');
    const e = await refusal(
      writeFileAtomic(p, bytes('new content'), {
        write: async (h, b) => {
          await h.write(b, 0, 4);
          throw boom;
        },
      }),
    );
    expect(e.message).toBe(`cannot write ${p} (failed to write; previous file left as it was): ENOSPC: no space left on device (simulated)`);
    expect(e.cause).toBe(boom);
    expect(await readFile(p, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a process killed mid-write leaves the old file intact (only its named temp file stays behind)', async () => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, 'old');
    const moduleUrl = new URL('./node-atomic-write.ts', import.meta.url).href;
    const script = `
      import { writeFileAtomic } from ${JSON.stringify(moduleUrl)};
      await writeFileAtomic(${JSON.stringify(p)}, new Uint8Array(1 << 20).fill(7), {
        write: async (h, b) => {
          await h.write(b, 0, b.length >> 1);
          process.stdout.write('half\\n');
          await new Promise(() => setInterval(() => {}, 1000));
        },
      });`;
    const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('half') && res());
      child.on('exit', () => rej(new Error(`child exited before writing half: ${stderr}`)));
    });
    const leftovers = await tempFiles();
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(new RegExp(`^\\.model\\.safetensors\\.${child.pid}\\.[0-9a-f]{12}\\.tmp$`));
    expect((await stat(join(dir, leftovers[0]!))).size).toBe(1 << 19);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await readFile(p, 'utf8')).toBe('old');
  }, 20_000);
});

/** The pid of a process that has exited (a child that ran nothing). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('stale temp files (left by a process killed mid-write)', () => {
  const temp = (target: string, pid: number, hex = 'a1b2c3d4e5f6') => `.${target}.${pid}.${hex}.tmp`;

  it("the next write removes a dead process's temps and its own pid's stale ones, and keeps a live process's", async () => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, 'old');
    const dead = await deadPid();
    const live = process.ppid; // alive for as long as this test runs
    for (const name of [temp('model.safetensors', dead), temp('model.safetensors', dead, '00112233aabb'), temp('model.safetensors', process.pid), temp('model.safetensors', live)]) {
      await writeFile(join(dir, name), 'half a file');
    }
    // other files, and other targets' temps, are not this target's business
    const others = [temp('other.safetensors', dead), '.model.safetensors.notes', 'model.safetensors.tmp', temp('model.safetensors', dead).replace('.tmp', '.tmp.bak')];
    for (const name of others) await writeFile(join(dir, name), 'x');
    await writeFileAtomic(p, bytes('new'));
    expect(await readFile(p, 'utf8')).toBe('new');
    expect((await readdir(dir)).sort()).toEqual(['model.safetensors', temp('model.safetensors', live), ...others].sort());
  });

  it('removeStaleTemps says what it removed; a missing directory is nothing to clean', async () => {
    const p = join(dir, 'm.safetensors');
    const dead = await deadPid();
    await writeFile(join(dir, temp('m.safetensors', dead)), '');
    expect(await removeStaleTemps(p)).toEqual([join(dir, temp('m.safetensors', dead))]);
    expect(await removeStaleTemps(p)).toEqual([]);
    expect(await removeStaleTemps(join(dir, 'nope', 'm.safetensors'))).toEqual([]);
  });

  it('a write in flight keeps its temp while another write of the same target runs in this process', async () => {
    const p = join(dir, 'model.safetensors');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const halfway = new Promise<void>((r) => (started = r));
    const slow = writeFileAtomic(p, bytes('slow'), {
      write: async (h, b) => {
        await h.write(b, 0, b.length);
        started();
        await gate;
      },
    });
    await halfway;
    await writeFileAtomic(join(dir, 'model.safetensors'), bytes('fast'));
    expect(await tempFiles()).toHaveLength(1);
    release();
    await slow;
    expect(await readFile(p, 'utf8')).toBe('slow');
    expect(await tempFiles()).toEqual([]);
  });
});

describe('checkWritable', () => {
  it('passes for a new file and an existing one, leaving the directory as it was', async () => {
    await checkWritable(join(dir, 'new.safetensors'), { bytes: 3 << 20 });
    await writeFile(join(dir, 'old.safetensors'), 'old');
    await checkWritable(join(dir, 'old.safetensors'), { bytes: 10 });
    expect(await readdir(dir)).toEqual(['old.safetensors']);
    expect(await readFile(join(dir, 'old.safetensors'), 'utf8')).toBe('old');
  });

  it('removes stale temps of the target', async () => {
    const dead = await deadPid();
    await writeFile(join(dir, `.m.safetensors.${dead}.a1b2c3d4e5f6.tmp`), 'half');
    await checkWritable(join(dir, 'm.safetensors'));
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a missing directory, a directory as the target and a path under a file', async () => {
    const missing = join(dir, 'no-such-dir', 'm.safetensors');
    expect((await refusal(checkWritable(missing))).message).toBe(
      `cannot write ${missing} (checked before starting: failed to create a file in its directory): directory ${join(dir, 'no-such-dir')} does not exist`,
    );
    await mkdir(join(dir, 'sub'));
    expect((await refusal(checkWritable(join(dir, 'sub')))).message).toBe(`cannot write ${join(dir, 'sub')}: it is a directory`);
    await writeFile(join(dir, 'file'), '');
    const under = join(dir, 'file', 'm.safetensors');
    expect((await refusal(checkWritable(under))).message).toBe(`cannot write ${under}: part of its directory ${join(dir, 'file')} is a file, not a directory`);
    expect((await readdir(dir)).sort()).toEqual(['file', 'sub']);
  });

  it('a full disk (the probe write failing) is reported, and the probe removed', async () => {
    const p = join(dir, 'm.safetensors');
    const e = await refusal(
      checkWritable(p, {
        bytes: 5 << 20,
        write: async (h, b) => {
          await h.write(b, 0, 100);
          throw Object.assign(new Error('ENOSPC: no space left on device, write (simulated)'), { code: 'ENOSPC' });
        },
      }),
    );
    expect(e.message).toBe(`cannot write ${p} (checked before starting: failed to write 5242880 bytes): ENOSPC: no space left on device, write (simulated)`);
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only directory (not as root, who may write anywhere)', async () => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    await chmod(ro, 0o555);
    try {
      expect((await refusal(checkWritable(join(ro, 'm.safetensors')))).message).toMatch(/checked before starting: failed to create a file in its directory\): EACCES/);
    } finally {
      await chmod(ro, 0o755);
    }
  });
});

describe('readFileLimited', () => {
  it('reads a file at or under the limit', async () => {
    const p = join(dir, 'a.bin');
    await writeFile(p, Uint8Array.from([1, 2, 3]));
    expect(await readFileLimited(p, 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await readFileLimited(p, 1000)).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it('reads an empty file', async () => {
    const p = join(dir, 'empty');
    await writeFile(p, '');
    expect(await readFileLimited(p, 0)).toEqual(new Uint8Array(0));
  });

  it('refuses a file one byte over the limit', async () => {
    const p = join(dir, 'a.bin');
    await writeFile(p, Uint8Array.from([1, 2, 3]));
    expect((await refusal(readFileLimited(p, 2))).message).toBe(`cannot read ${p}: it is 3 bytes, over the limit of 2 bytes`);
  });

  it('refuses a 64 GiB sparse file at once, without reading it', async () => {
    const p = join(dir, 'huge.bin');
    await writeFile(p, '');
    await truncate(p, 64 * 2 ** 30);
    const t0 = performance.now();
    expect((await refusal(readFileLimited(p, 1 << 20))).message).toBe(`cannot read ${p}: it is ${64 * 2 ** 30} bytes, over the limit of 1048576 bytes`);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('refuses a missing file, a directory and a bad limit', async () => {
    const missing = join(dir, 'nope');
    const e = await refusal(readFileLimited(missing, 10));
    expect(e.message).toBe(`cannot read ${missing}: no such file`);
    expect(e.path).toBe(missing);
    expect((await refusal(readFileLimited(dir, 10))).message).toBe(`cannot read ${dir}: not a regular file`);
    expect((await refusal(readFileLimited(missing, -1))).message).toBe(`readFileLimited: maxBytes must be a non-negative integer, got -1`);
  });
});
