/**
 * Serves files from a fixed directory and never from outside it. A request path is split into
 * segments and each is percent-decoded on its own, so `..`, `%2e%2e`, an encoded slash or a NUL
 * cannot climb out; dotfiles are hidden; and the file's real path (symlinks resolved) must still
 * lie inside the directory's real path. It does not list directories or guess SPA routes.
 */
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, hasUnreadBody } from './http-util.js';
import { MIN_COMPRESS_BYTES, chooseEncoding, isCompressible, type CompressedFiles } from './compression.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.safetensors': 'application/octet-stream',
};

/**
 * The decoded segments of a URL path (the part before '?'), or an HttpError: 400 for a path that
 * is malformed or tries to climb ('..' in any spelling), 404 for hidden names.
 */
export function pathSegments(rawPath: string): string[] {
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'bad-path', `request path must start with '/', got ${JSON.stringify(rawPath.slice(0, 80))}`);
  const out: string[] = [];
  for (const raw of rawPath.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'bad-path', `request path has a malformed percent-escape in segment ${JSON.stringify(raw.slice(0, 80))}`);
    }
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new HttpError(400, 'bad-path', "request path may not contain '..' segments");
    if (/[/\\\0]/.test(seg)) throw new HttpError(400, 'bad-path', `request path segment ${JSON.stringify(seg.slice(0, 80))} contains '/', '\\' or NUL`);
    if (seg.startsWith('.')) throw new HttpError(404, 'not-found', `no such file: ${rawPath.slice(0, 200)}`);
    out.push(seg);
  }
  return out;
}

/**
 * The real path of the regular file `segments` names inside `root`, or a 404 when there is none,
 * it is not a regular file, or it resolves (through a symlink) to somewhere outside `root`.
 */
export async function resolveInside(root: string, segments: readonly string[], shownPath: string): Promise<{ path: string; size: number; mtimeMs: number }> {
  const notFound = new HttpError(404, 'not-found', `no such file: ${shownPath.slice(0, 200)}`);
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(root, ...segments));
  } catch {
    throw notFound;
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw notFound;
  const st = await stat(real).catch(() => null);
  if (!st || !st.isFile()) throw notFound;
  return { path: real, size: st.size, mtimeMs: st.mtimeMs };
}

export interface ServeOptions {
  /** Cache-Control for the reply: content-hashed assets may be cached forever, the rest revalidates. */
  cacheControl: string;
  /** Compressed copies for clients that accept them (text, scripts, wasm); without it, files go as they are. */
  compression?: CompressedFiles;
}

/**
 * Sends a file resolved by resolveInside, answering If-None-Match with 304: compressed (brotli or
 * gzip, per Accept-Encoding) when it is text or code and the options carry a cache, else streamed.
 */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: { path: string; size: number; mtimeMs: number }, opts: ServeOptions): Promise<void> {
  const type = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
  const compressible = opts.compression !== undefined && isCompressible(type) && file.size >= MIN_COMPRESS_BYTES;
  const enc = compressible ? chooseEncoding(req.headers['accept-encoding']) : null;
  // each encoding is a different body, so it has its own validator; a weak one, as the first
  // compressed copy and the better one made after it differ in bytes, not in what they decode to
  const base = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}${enc ? `-${enc}` : ''}"`;
  const etag = enc ? `W/${base}` : base;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', opts.cacheControl);
  res.setHeader('Content-Type', type);
  if (compressible) res.setHeader('Vary', 'Accept-Encoding');
  if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  if (enc && opts.compression) {
    const body = await opts.compression.get(file, enc, () => readFile(file.path));
    res.statusCode = 200;
    res.setHeader('Content-Encoding', enc);
    res.setHeader('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', String(file.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Sends bytes made in memory (a model converted from ONNX) as a model file, answering If-None-Match with 304. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, etag: string): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Type', CONTENT_TYPES['.safetensors']);
  if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', String(bytes.length));
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
