/**
 * Compression of what the server sends: the encoding a request accepts (brotli before gzip, by
 * Accept-Encoding with its q-values), which content types are worth it (text, JSON, JavaScript,
 * WebAssembly, SVG; not model weights, whose float bits barely shrink and whose download progress
 * the explorer shows against Content-Length), and a small memory cache of compressed static files,
 * keyed by path, size and mtime, so each file is compressed once. It does not stream.
 */
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';

export type Encoding = 'br' | 'gzip';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Replies smaller than this go as they are: the headers would cost more than compression saves. */
export const MIN_COMPRESS_BYTES = 1024;

/**
 * The encoding to answer with, given an Accept-Encoding header: 'br' when brotli is acceptable,
 * else 'gzip', else null (identity). `*` accepts both; q=0 refuses one.
 */
export function chooseEncoding(header: string | string[] | undefined): Encoding | null {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const q = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  // a coding named explicitly counts by its own q; one not named, by the wildcard's
  const accepts = (enc: string): boolean => (q.has(enc) ? (q.get(enc) ?? 0) : (q.get('*') ?? 0)) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || (q.get('x-gzip') ?? 0) > 0) return 'gzip';
  return null;
}

/** Whether a reply of this Content-Type is worth compressing. */
export function isCompressible(contentType: string): boolean {
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t.startsWith('text/') || t === 'application/json' || t === 'application/wasm' || t === 'image/svg+xml' || t === 'application/javascript';
}

/** bytes compressed with `enc`: brotli at `quality` (11, the best, for static files compressed once; less for replies made per request). */
export async function compress(bytes: Uint8Array, enc: Encoding, quality = 11): Promise<Buffer> {
  if (enc === 'br') {
    return brotliAsync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
    });
  }
  return gzipAsync(bytes, { level: 9 });
}

/** The same, at once, for replies made per request (JSON): brotli at a quality that costs milliseconds. */
export function compressSync(bytes: Uint8Array, enc: Encoding, quality = 5): Buffer {
  if (enc === 'br') return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  return gzipSync(bytes, { level: 6 });
}

/**
 * Compressed copies of static files, each made once per (path, size, mtime, encoding). Bounded:
 * past `maxBytes` of compressed data the oldest entries go. A file changed on disk gets a new key.
 */
export class CompressedFiles {
  private readonly entries = new Map<string, Promise<Buffer>>();
  private sizes = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(file: { path: string; size: number; mtimeMs: number }, enc: Encoding, read: () => Promise<Uint8Array>): Promise<Buffer> {
    const key = `${enc}|${file.size}|${Math.floor(file.mtimeMs)}|${file.path}`;
    let p = this.entries.get(key);
    if (!p) {
      p = read().then((bytes) => compress(bytes, enc));
      this.entries.set(key, p);
      p.then(
        (buf) => this.account(key, buf.length),
        () => this.entries.delete(key),
      );
    }
    return p;
  }

  private account(key: string, size: number): void {
    if (!this.entries.has(key)) return;
    this.sizes.set(key, size);
    this.total += size;
    for (const [k, s] of this.sizes) {
      if (this.total <= this.maxBytes) break;
      if (k === key) continue;
      this.sizes.delete(k);
      this.entries.delete(k);
      this.total -= s;
    }
  }
}
