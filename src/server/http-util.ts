/**
 * The server's HTTP plumbing: the headers every response carries (cross-origin isolation and the
 * content security policy), JSON replies (compressed when the client accepts it), the error type
 * handlers throw, and bounded body reading.
 * It knows no routes and no files: server.ts dispatches, api.ts and static-files.ts answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MIN_COMPRESS_BYTES, chooseEncoding, compressSync } from './compression.js';

/**
 * Cross-origin isolation (COOP + COEP) lets the app use SharedArrayBuffer for multi-threaded
 * kernels; the CSP keeps the page from loading anything that is not ours (the explorer runs
 * offline, so there is no CDN to allow). 'wasm-unsafe-eval' admits WebAssembly kernels only.
 * connect-src admits blob: for the model files the page itself holds (a training snapshot, a file
 * opened from disk), which its workers fetch like the server's (web/src/lib/local-models.ts).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
};

/** A refusal with an HTTP status and a stable code the app can switch on; the message says what to do. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The client went away (or was cut off) while its request body was arriving: nobody is left to
 * answer, so the server logs one line and drops the connection.
 */
export class ClientGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientGone';
  }
}

/** Whether the request announced a body that has not been read to its end. */
export function hasUnreadBody(req: IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  const announced = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.complete;
}

export function applySecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  const plain = Buffer.from(text, 'utf8');
  const enc = plain.length >= MIN_COMPRESS_BYTES ? chooseEncoding(req.headers['accept-encoding']) : null;
  const bytes = enc ? compressSync(plain, enc) : plain;
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Vary', 'Accept-Encoding');
  if (enc) res.setHeader('Content-Encoding', enc);
  res.setHeader('Content-Length', String(bytes.length));
  res.setHeader('Cache-Control', 'no-store');
  // answering before the body is read: close afterwards rather than let Node read (and discard) the rest
  if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function sendError(req: IncomingMessage, res: ServerResponse, e: HttpError): void {
  sendJson(req, res, e.status, { error: e.message, code: e.code, status: e.status }, e.headers);
}

/**
 * Reads a request body of at most `limit` bytes. A larger Content-Length is refused before
 * anything is read; a body that grows past the limit anyway (chunked, or a Content-Length that
 * lies) is cut off with a 413. Either way the reply closes the connection, so the rest is never
 * read. A client that goes away mid-body is a ClientGone; one that stalls is ended by the server's
 * requestTimeout.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, 'body-too-large', `request body is ${declared} bytes; the limit for ${req.url ?? 'this route'} is ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > limit) throw new HttpError(413, 'body-too-large', `request body exceeds ${limit} bytes (the limit for ${req.url ?? 'this route'})`);
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const of = declared === undefined ? '' : ` of ${declared}`;
    throw new ClientGone(`the body stopped after ${size}${of} bytes: the client went away or missed the request deadline (${(e as Error).message})`);
  }
  // a stream that ends early without an error (the socket closed) is a client gone too
  if (!req.complete) throw new ClientGone(`the connection closed after ${size}${declared === undefined ? '' : ` of ${declared}`} bytes of the body`);
  return Buffer.concat(chunks, size);
}

/** Parses a JSON request body, refusing other content types and malformed text with a 400/415 that says which. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported-media-type', `expected Content-Type: application/json, got ${type === '' ? 'none' : JSON.stringify(type)}`);
  }
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw new HttpError(400, 'bad-json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}
