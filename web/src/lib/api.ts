/**
 * The browser's side of the server's JSON API: typed fetches that turn an error reply into an
 * ApiFailure carrying the server's message and code (the gallery shows "no-data" as a hint, not a
 * crash). Same-origin only; there is nothing else to talk to.
 */
import type { ApiError, DigitsResponse, ModelsResponse } from '../../../src/server/api-types.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new ApiFailure(0, 'network', `could not reach the convscope server (${(e as Error).message}); is \`convscope serve\` running?`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiFailure(res.status, 'bad-reply', `${url}: the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = body as Partial<ApiError>;
    throw new ApiFailure(res.status, e.code ?? 'error', e.error ?? `${url}: HTTP ${res.status}`);
  }
  return body as T;
}

export function fetchModels(): Promise<ModelsResponse> {
  return getJson<ModelsResponse>('/api/models');
}

export interface DigitsQuery {
  split: 'test' | 'train';
  kind: 'all' | 'misclassified';
  model: string;
  offset: number;
  limit: number;
}

export function fetchDigits(q: DigitsQuery): Promise<DigitsResponse> {
  const p = new URLSearchParams({ split: q.split, kind: q.kind, model: q.model, offset: String(q.offset), limit: String(q.limit) });
  return getJson<DigitsResponse>(`/api/digits?${p.toString()}`);
}

/** base64 of 784 bytes → pixels in 0..1 */
export function decodePixels(b64: string): Float32Array {
  const bin = atob(b64);
  const out = new Float32Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i) / 255;
  return out;
}
