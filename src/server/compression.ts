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

/** Brotli quality of a file's first compressed copy: milliseconds for the 545 kB app bundle, where 11 takes seconds. */
export const FAST_BROTLI_QUALITY = 5;

/**
 * Compressed copies of static files, keyed by (path, size, mtime, encoding), so a file changed on
 * disk gets a new key. A file's first request is answered at once with a fast copy (brotli 5)
 * while the best one (brotli 11, about 10% smaller) is made in the background for the requests
 * after it; zlib runs on Node's thread pool, so neither blocks the server. Bounded: past
 * `maxBytes` of compressed data the oldest entries go.
 */
export class CompressedFiles {
  private readonly entries = new Map<string, { fast: Promise<Buffer>; best: Buffer | null; size: number }>();
  private total = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  async get(file: { path: string; size: number; mtimeMs: number }, enc: Encoding, read: () => Promise<Uint8Array>): Promise<Buffer> {
    const key = `${enc}|${file.size}|${Math.floor(file.mtimeMs)}|${file.path}`;
    let e = this.entries.get(key);
    if (!e) {
      const bytes = read();
      const entry = { fast: bytes.then((b) => compress(b, enc, FAST_BROTLI_QUALITY)), best: null as Buffer | null, size: 0 };
      this.entries.set(key, entry);
      e = entry;
      entry.fast.then(
        (fast) => {
          this.account(key, entry, fast.length);
          // gzip's copy is its best already; brotli's best comes later
          if (enc === 'gzip') return;
          bytes
            .then((b) => compress(b, enc, 11))
            .then((best) => {
              if (this.entries.get(key) !== entry) return;
              entry.best = best;
              this.account(key, entry, best.length);
            })
            .catch(() => {});
        },
        () => this.entries.delete(key),
      );
    }
    return e.best ?? e.fast;
  }

  private account(key: string, entry: { size: number }, size: number): void {
    if (!this.entries.has(key)) return;
    this.total += size - entry.size;
    entry.size = size;
    for (const [k, other] of this.entries) {
      if (this.total <= this.maxBytes) break;
      if (k === key) continue;
      this.entries.delete(k);
      this.total -= other.size;
    }
  }
}
