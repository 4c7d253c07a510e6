/**
 * readIdxFile, the one reader of idx files on disk: raw and gzipped files give the same bytes and
 * MD5, a decompression bomb stops at the limit instead of filling memory, damaged and oversized
 * files are refused with the file named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from './idx.js';
import { MAX_IDX_BYTES, readIdxFile } from './node-idx-file.js';

let tmp: string;
const labels = encodeIdx([5000], new Uint8Array(5000).map((_, i) => (i * 7) % 10));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'convscope-idx-file-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readIdxFile', () => {
  it('reads raw and gzipped files to the same bytes and MD5 (told apart by the magic, not the name)', async () => {
    writeFileSync(join(tmp, 'raw'), labels);
    writeFileSync(join(tmp, 'zipped-without-gz-name'), gzipSync(labels));
    for (const f of ['raw', 'zipped-without-gz-name']) {
      const r = await readIdxFile(join(tmp, f));
      expect(Buffer.compare(Buffer.from(r.bytes), Buffer.from(labels))).toBe(0);
      expect(r.md5).toBe(md5(labels));
      expect(r.bytes).not.toBeInstanceOf(Buffer);
    }
  });

  it('stops inflating a decompression bomb at the limit: 48 MB of zeros from 47 KB, limit 1 MB', async () => {
    const bomb = gzipSync(Buffer.alloc(48 << 20), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    const path = join(tmp, 't10k-images-idx3-ubyte.gz');
    writeFileSync(path, bomb);
    const before = process.memoryUsage().arrayBuffers;
    await expect(readIdxFile(path, 1 << 20)).rejects.toThrow(`${path}: inflates to more than 1048576 bytes, more than any idx file (a damaged file or a decompression bomb)`);
    // it held about the limit, never the 48 MB
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it('refuses a file over the limit before reading it', async () => {
    const path = join(tmp, 'big');
    writeFileSync(path, Buffer.alloc(2000));
    await expect(readIdxFile(path, 1000)).rejects.toThrow(`cannot read ${path}: it is 2000 bytes, over the limit of 1000 bytes`);
    expect(MAX_IDX_BYTES).toBe(64 * 1024 * 1024);
  });

  it('says a truncated gzip cannot be decompressed, and a missing file that it is missing', async () => {
    const gz = gzipSync(labels);
    const path = join(tmp, 'truncated.gz');
    writeFileSync(path, gz.subarray(0, gz.length >> 1));
    await expect(readIdxFile(path)).rejects.toThrow(`${path}: cannot decompress it (truncated or damaged gzip): unexpected end of file`);
    await expect(readIdxFile(join(tmp, 'none'))).rejects.toThrow(`cannot read ${join(tmp, 'none')}: no such file`);
  });
});
