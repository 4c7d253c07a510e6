/**
 * Downloads one idx file of a data set into a directory: tries each mirror in turn, checks the MD5
 * of the uncompressed content, and only then writes the file, atomically (temp file + rename), so a
 * failed or corrupted download leaves nothing behind. Node only (global fetch). It does not decide
 * where data sets live (node-source.ts does) and never retries a mirror that failed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/node-atomic-write.js';
import { errorText, inflateIdx, isGzip, MAX_IDX_BYTES, md5Hex } from './node-idx-file.js';

export interface DownloadProgress {
  kind: 'download';
  file: string;
  url: string;
  receivedBytes: number;
  /** From Content-Length; null when the server does not say. */
  totalBytes: number | null;
}

export interface Downloaded {
  path: string;
  /** Uncompressed content, already checked against the expected MD5. */
  bytes: Uint8Array;
  md5: string;
}

/** Every mirror failed; `failures` says how, one line per URL. */
export class DownloadFailed extends Error {
  constructor(
    readonly file: string,
    readonly failures: readonly string[],
  ) {
    super(`could not download ${file}:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  }
}

export interface DownloadOptions {
  mirrors: readonly string[];
  /** Canonical name without `.gz`; the mirrors serve `<file>.gz`. */
  file: string;
  md5: string;
  dir: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Abort when no byte arrives for this long. Default 30 s. */
  idleTimeoutMs?: number;
}

export async function downloadIdx(opts: DownloadOptions): Promise<Downloaded> {
  const failures: string[] = [];
  for (const base of opts.mirrors) {
    const url = new URL(`${opts.file}.gz`, base.endsWith('/') ? base : `${base}/`).href;
    let body: Uint8Array;
    let bytes: Uint8Array;
    try {
      body = await fetchBytes(url, opts);
      bytes = await inflateIdx(body);
    } catch (e) {
      failures.push(`${url}: ${errorText(e)}`);
      continue;
    }
    const md5 = md5Hex(bytes);
    if (md5 !== opts.md5) {
      failures.push(`${url}: content has MD5 ${md5}, expected ${opts.md5} (corrupted or a different file)`);
      continue;
    }
    // Keep what came: gzipped stays gzipped (a quarter of the size); a server that inflated it gave raw bytes.
    const path = join(opts.dir, isGzip(body) ? `${opts.file}.gz` : opts.file);
    await mkdir(opts.dir, { recursive: true });
    await writeFileAtomic(path, body);
    return { path, bytes, md5 };
  }
  throw new DownloadFailed(opts.file, failures);
}

async function fetchBytes(url: string, opts: DownloadOptions): Promise<Uint8Array> {
  const ctrl = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  let timer = setTimeout(() => ctrl.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  try {
    const res = await fetch(url, { signal: ctrl.signal });
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    // With Content-Encoding, fetch inflates and Content-Length counts the compressed bytes.
    const length = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
    const total = length === null ? null : Number(length);
    if (total !== null && total > MAX_IDX_BYTES) throw new Error(`${total} bytes is more than any idx file should be`);
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
      chunks.push(value);
      received += value.length;
      if (received > MAX_IDX_BYTES) throw new Error(`more than ${MAX_IDX_BYTES} bytes; not an idx file`);
      opts.onProgress?.({ kind: 'download', file: opts.file, url, receivedBytes: received, totalBytes: total });
    }
    if (total !== null && received !== total) throw new Error(`connection closed after ${received} of ${total} bytes`);
    const out = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}
