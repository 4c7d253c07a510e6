/**
 * The JSON API: GET and POST /api/models, GET /api/digits, POST /api/predict, GET /api (an index). Every
 * parameter is checked at the door (unknown, repeated, malformed or out-of-range values get a 400
 * that names the parameter, what came and what is allowed). It does no file serving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { predict as predictClasses } from '../nn/predict.js';
import {
  DIGITS_DEFAULT_LIMIT,
  DIGITS_MAX_LIMIT,
  type DigitItem,
  type DigitsResponse,
  type ModelsResponse,
  type PredictResponse,
} from './api-types.js';
import { HttpError, readJsonBody, sendJson } from './http-util.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelUploads } from './model-upload.js';
import { pixelsBase64, type DigitStore, type SplitName } from './digit-store.js';
import type { DataFiles } from './data-files.js';
import { dataFile, dataIndex, isDataFilePath } from './data-routes.js';

/** A predict body is 784 numbers: 64 KiB leaves room for long decimals and nothing more. */
export const PREDICT_BODY_LIMIT = 64 * 1024;

export interface ApiContext {
  models: ModelRegistry;
  digits: DigitStore;
  /** where POST /api/models stores uploads; null when the server takes none */
  uploads: ModelUploads | null;
  /** the idx files served for training in the page */
  data: DataFiles;
}

interface Route {
  methods: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: ApiContext): Promise<void>;
  doc: string;
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/api': { methods: ['GET', 'HEAD'], handle: index, doc: 'this list' },
  '/api/models': {
    methods: ['GET', 'HEAD', 'POST'],
    handle: models,
    doc: 'the models, with name, accuracy, parameter count and spec; POST a .safetensors or .onnx file (application/octet-stream) to add one',
  },
  '/api/digits': {
    methods: ['GET', 'HEAD'],
    handle: digits,
    doc: `example digits: ?split=test|train&kind=all|misclassified&model=NAME&offset=N&limit=1..${DIGITS_MAX_LIMIT}`,
  },
  '/api/data': {
    methods: ['GET', 'HEAD'],
    handle: (req, res, query, ctx) => dataIndex(req, res, query, ctx.data),
    doc: 'the data sets for training in the page (mnist, fashion): whether each is available, its files\' URLs (/api/data/NAME/train-images|train-labels|test-images|test-labels, idx as on disk, gzipped or not) or how to get it',
  },
  '/api/predict': { methods: ['POST'], handle: predict, doc: 'POST {"model": NAME, "pixels": [784 values in 0..1]} → probabilities, and notDigit and ood when the model file is calibrated' },
};

export async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, ctx: ApiContext): Promise<void> {
  if (isDataFilePath(path)) return dataFile(req, res, path, query, ctx.data);
  const route = ROUTES[path.length > 4 && path.endsWith('/') ? path.slice(0, -1) : path];
  if (!route) throw new HttpError(404, 'not-found', `no API route ${path.slice(0, 200)}; the routes are ${Object.keys(ROUTES).join(', ')}`);
  const method = req.method ?? 'GET';
  if (!route.methods.includes(method)) {
    throw new HttpError(405, 'method-not-allowed', `${path} takes ${route.methods.join(' or ')}, not ${method}`, { Allow: route.methods.join(', ') });
  }
  await route.handle(req, res, query, ctx);
}

async function index(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  checkParams(query, []);
  sendJson(req, res, 200, { routes: Object.entries(ROUTES).map(([path, r]) => ({ path, methods: r.methods, doc: r.doc })) });
}

async function models(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: ApiContext): Promise<void> {
  checkParams(query, []);
  if (req.method === 'POST') {
    if (!ctx.uploads) throw new HttpError(403, 'uploads-off', 'this server takes no uploads; start it with --models DIR (and without --no-uploads) to store uploaded models in DIR');
    return ctx.uploads.handle(req, res);
  }
  const { models: list, problems } = await ctx.models.list();
  const body: ModelsResponse = { models: list.map((m) => m.info), problems };
  sendJson(req, res, 200, body);
}

async function digits(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: ApiContext): Promise<void> {
  checkParams(query, ['split', 'kind', 'model', 'offset', 'limit']);
  const split = choice(query, 'split', ['test', 'train'] as const, 'test');
  const kind = choice(query, 'kind', ['all', 'misclassified'] as const, 'all');
  const offset = intParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = intParam(query, 'limit', 1, DIGITS_MAX_LIMIT, DIGITS_DEFAULT_LIMIT);
  const modelName = query.get('model');
  if (kind === 'misclassified' && modelName === null) throw new HttpError(400, 'bad-param', "kind=misclassified needs a model: add &model=NAME (see /api/models)");
  const model = modelName === null ? null : await ctx.models.get(modelName);
  if (modelName !== null && model === null) {
    throw new HttpError(400, 'bad-param', `unknown model ${JSON.stringify(modelName.slice(0, 80))} in 'model'; the models are ${(await ctx.models.names()).join(', ')}`);
  }
  const data = await ctx.digits.split(split as SplitName);
  if (offset > data.n) throw new HttpError(400, 'bad-param', `'offset' is ${offset} but the ${split} split has only ${data.n} digits`);
  let items: DigitItem[];
  let total: number | null;
  let scanned: number;
  if (kind === 'misclassified' && model !== null) {
    const r = await ctx.digits.misclassified(model, split as SplitName, offset, limit);
    items = r.items.map((it) => ({ index: it.index, label: data.labels[it.index], pixels: pixelsBase64(data, it.index), predicted: it.predicted, confidence: it.confidence }));
    total = r.total;
    scanned = r.scanned;
  } else {
    const idx = Array.from({ length: Math.max(0, Math.min(limit, data.n - offset)) }, (_, k) => offset + k);
    const preds = model ? ctx.digits.predict(model, data, idx) : null;
    items = idx.map((index, k) => ({
      index,
      label: data.labels[index],
      pixels: pixelsBase64(data, index),
      ...(preds ? { predicted: preds[k].predicted, confidence: preds[k].confidence } : {}),
    }));
    total = data.n;
    scanned = 0;
  }
  const body: DigitsResponse = { split, kind, model: modelName, offset, limit, total, scanned, splitSize: data.n, items };
  sendJson(req, res, 200, body);
}

async function predict(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, ctx: ApiContext): Promise<void> {
  checkParams(query, []);
  const body = await readJsonBody(req, PREDICT_BODY_LIMIT);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'bad-body', `expected a JSON object {"model": NAME, "pixels": [784 numbers]}, got ${Array.isArray(body) ? 'an array' : JSON.stringify(body)}`);
  }
  const rec = body as Record<string, unknown>;
  const extra = Object.keys(rec).filter((k) => k !== 'model' && k !== 'pixels');
  if (extra.length > 0) throw new HttpError(400, 'bad-body', `unknown field ${JSON.stringify(extra[0])}; expected only "model" and "pixels"`);
  const name = rec['model'];
  if (typeof name !== 'string') throw new HttpError(400, 'bad-body', `"model" must be a model name (string), got ${JSON.stringify(name) ?? 'nothing'}`);
  const pixels = rec['pixels'];
  if (!Array.isArray(pixels) || pixels.length !== 784) {
    throw new HttpError(400, 'bad-body', `"pixels" must be an array of 784 numbers (28×28, row-major), got ${Array.isArray(pixels) ? `${pixels.length} values` : JSON.stringify(pixels)?.slice(0, 40) ?? 'nothing'}`);
  }
  const bad = pixels.findIndex((v) => typeof v !== 'number' || !(v >= 0 && v <= 1));
  if (bad >= 0) throw new HttpError(400, 'bad-body', `"pixels"[${bad}] is ${JSON.stringify(pixels[bad])}; every pixel must be a number in 0..1`);
  const model = await ctx.models.get(name);
  if (!model) throw new HttpError(400, 'bad-body', `unknown model ${JSON.stringify(name.slice(0, 80))}; the models are ${(await ctx.models.names()).join(', ')}`);
  const r = predictClasses(model.model, Float32Array.from(pixels as number[]));
  const ood = r.ood?.[0];
  const out: PredictResponse = {
    model: name,
    trained: model.info.trained,
    predicted: r.digit,
    probabilities: Array.from(r.probabilities.data),
    // only a calibrated model file can say "not a digit"; without one the fields are left out
    ...(ood ? { notDigit: r.notDigit[0], ood: { score: ood.score, threshold: ood.threshold, method: ood.method } } : {}),
  };
  sendJson(req, res, 200, out);
}

/** Refuses unknown and repeated query parameters, naming the first one and the allowed ones. */
function checkParams(query: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      const expected = allowed.length ? `expected ${allowed.join(', ')}` : 'this route takes no parameters';
      throw new HttpError(400, 'bad-param', `unknown parameter ${JSON.stringify(key.slice(0, 80))}; ${expected}`);
    }
    if (seen.has(key)) throw new HttpError(400, 'bad-param', `parameter '${key}' is given more than once`);
    seen.add(key);
  }
}

function choice<T extends string>(query: URLSearchParams, key: string, options: readonly T[], dflt: T): T {
  const v = query.get(key);
  if (v === null) return dflt;
  if (!(options as readonly string[]).includes(v)) {
    throw new HttpError(400, 'bad-param', `'${key}' must be one of ${options.join(', ')}; got ${JSON.stringify(v.slice(0, 80))}`);
  }
  return v as T;
}

function intParam(query: URLSearchParams, key: string, min: number, max: number, dflt: number): number {
  const v = query.get(key);
  if (v === null) return dflt;
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new HttpError(400, 'bad-param', `'${key}' must be ${range}; got ${JSON.stringify(v.slice(0, 80))}`);
  }
  return n;
}
