/**
 * The explorer's server (node:http, no framework): the built web app from web/dist, model files
 * from models/ (an .onnx one converted to safetensors), and the JSON API under /api, including the
 * checked MNIST / Fashion-MNIST idx files for training in the page (data-files.ts, by fixed names).
 * Every response carries the cross-origin isolation headers; files are served only from those two
 * directories and the data sets' four idx files.
 * Slow or lying clients are bounded: headers and whole requests have deadlines, idle keep-alive
 * connections close, connections are capped, and a refused body is never read. It has no
 * authentication: it listens on 127.0.0.1 unless told otherwise. It needs no network and downloads
 * nothing; it does not build the app (npm run build:web does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvscopeError } from '../engine/errors.js';
import { handleApi } from './api.js';
import { DigitStore } from './digit-store.js';
import type { IdxFileKey } from '../data/catalog.js';
import { ClientGone, HttpError, applySecurityHeaders, sendError } from './http-util.js';
import { ModelRegistry } from './model-registry.js';
import { ModelUploads } from './model-upload.js';
import { DataFiles, type DataFilesOptions } from './data-files.js';
import { pathSegments, resolveInside, sendBytes, sendFile } from './static-files.js';
import { CompressedFiles } from './compression.js';

/** The repository (or installed package) root: two levels up from src/server or dist/server. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PORT = 8080;
const MAX_URL_LENGTH = 4096;

/** Deadlines for slow clients, in milliseconds. */
export interface ServerTimeouts {
  /** to receive a request's headers. Default 20 s. */
  headersMs: number;
  /** to receive a whole request, body included (an upload of MAX_UPLOAD_BYTES at ~1 MB/s fits). Default 120 s. */
  requestMs: number;
  /** an idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ServerTimeouts> = { headersMs: 20_000, requestMs: 120_000, keepAliveMs: 5_000 };
/** Connections beyond this are closed as they arrive: a flood of idle sockets cannot exhaust file descriptors. */
export const DEFAULT_MAX_CONNECTIONS = 256;

export interface ServerOptions {
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1: the explorer is for this machine unless asked otherwise. */
  host?: string;
  /** MNIST idx files for the gallery; without it the gallery says how to add them. */
  dataDir?: string;
  /** Default <package>/models. */
  modelsDir?: string;
  /** The built app. Default <package>/web/dist. */
  webDir?: string;
  /** Accept POST /api/models uploads into modelsDir. Default: true when modelsDir is given, else false (the shipped models/ is never written). */
  uploads?: boolean;
  /** The MD5 each uncompressed idx file must have. Default MNIST's (src/data/catalog.ts); tests pass their fixture's. */
  dataChecksums?: Partial<Record<IdxFileKey, string>>;
  timeouts?: Partial<ServerTimeouts>;
  /** Default DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Where GET /api/data looks beyond dataDir (tests point these at temp folders). Default: the CLI's search. */
  dataSearch?: Omit<DataFilesOptions, 'dataDir'>;
  /** Where unexpected errors, aborted uploads and unusable data are reported, one line each. Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function checkDir(what: string, dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (!st) throw new ConvscopeError(`${what} ${dir} does not exist`);
  if (!st.isDirectory()) throw new ConvscopeError(`${what} ${dir} is not a directory`);
}

const NOT_BUILT_PAGE = (webDir: string) =>
  `<!doctype html><meta charset="utf-8"><title>convscope</title><h1>The explorer is not built</h1>` +
  `<p>There is no index.html in <code>${webDir.replace(/[<>&]/g, '')}</code>. Run <code>npm run build:web</code> and reload.</p>` +
  `<p>The API works already: <a href="/api">/api</a>.</p>`;

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConvscopeError(`server: port must be an integer in 0..65535, got ${port}`);
  const host = opts.host ?? '127.0.0.1';
  const webDir = resolve(opts.webDir ?? resolve(PACKAGE_ROOT, 'web', 'dist'));
  const modelsDir = resolve(opts.modelsDir ?? resolve(PACKAGE_ROOT, 'models'));
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  if (dataDir !== undefined) await checkDir('server: the data directory (--data)', dataDir);
  if (opts.modelsDir !== undefined) await checkDir('server: the models directory', modelsDir);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const models = new ModelRegistry(modelsDir);
  const compression = new CompressedFiles();
  const ctx = {
    models,
    digits: new DigitStore(dataDir, { log, ...(opts.dataChecksums ? { checksums: opts.dataChecksums } : {}) }),
    uploads: (opts.uploads ?? opts.modelsDir !== undefined) ? new ModelUploads(modelsDir, models) : null,
    data: new DataFiles({ ...opts.dataSearch, ...(dataDir !== undefined ? { dataDir } : {}) }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    applySecurityHeaders(res);
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) throw new HttpError(414, 'uri-too-long', `request URL is ${url.length} characters; the limit is ${MAX_URL_LENGTH}`);
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const segments = pathSegments(rawPath);
    if (segments[0] === 'api') {
      await handleApi(req, res, '/' + segments.join('/'), query, ctx);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'method-not-allowed', `${rawPath.slice(0, 200)} takes GET or HEAD, not ${req.method ?? '?'}`, { Allow: 'GET, HEAD' });
    }
    if (segments[0] === 'models') {
      const converted = segments.length === 2 ? await convertedModel(segments[1]) : null;
      if (converted) {
        sendBytes(req, res, converted.bytes, converted.etag);
        return;
      }
      const file = await resolveInside(modelsDir, segments.slice(1), rawPath);
      await sendFile(req, res, file, { cacheControl: 'no-cache', compression });
      return;
    }
    const rel = segments.length === 0 ? ['index.html'] : segments;
    let file;
    try {
      file = await resolveInside(webDir, rel, rawPath);
    } catch (e) {
      if (segments.length === 0 && e instanceof HttpError && e.status === 404) {
        res.statusCode = 503;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.end(req.method === 'HEAD' ? undefined : NOT_BUILT_PAGE(webDir));
        return;
      }
      throw e;
    }
    // Vite puts content-hashed names under assets/: those never change, everything else revalidates
    await sendFile(req, res, file, { cacheControl: rel[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache', compression });
  };

  /** /models/NAME.safetensors for a model read from NAME.onnx (and no NAME.safetensors): the converted file. */
  const convertedModel = async (file: string): Promise<{ bytes: Uint8Array; etag: string } | null> => {
    const m = /^(.+)\.safetensors$/.exec(file);
    if (!m) return null;
    const entry = await models.get(m[1]);
    if (!entry || entry.converted === null) return null;
    return { bytes: entry.converted, etag: `"onnx-${entry.stamp.replace(/[^A-Za-z0-9.:-]/g, '')}"` };
  };

  const server = createServer({ connectionsCheckingInterval: Math.min(1000, timeouts.headersMs / 2) }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof ClientGone) {
        log(`convscope server: ${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}: ${e.message}`);
        res.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendError(req, res, e);
      if (e instanceof ConvscopeError) return sendError(req, res, new HttpError(500, 'server-error', e.message));
      log(`convscope server: ${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}: ${(e as Error).stack ?? String(e)}`);
      sendError(req, res, new HttpError(500, 'server-error', 'internal server error (details are in the server log)'));
    });
  });
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = Math.max(timeouts.requestMs, timeouts.headersMs);
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ConvscopeError(`server: port ${port} on ${host} is in use; pick another with --port`));
      else if (e.code === 'EACCES') reject(new ConvscopeError(`server: no permission to listen on port ${port}; use a port above 1023`));
      else reject(e);
    });
    server.listen(port, host, () => resolveListen());
  });
  // both load in the background: the first requests find them ready, and no route waits on them
  ctx.digits.warm();
  models.warm();
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr !== null ? addr.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.close((e) => (e ? reject(e) : resolveClose()));
        server.closeAllConnections();
      }),
  };
}
