/**
 * The digits the "What it looks for" panel searches for the ones that excite a channel most: the
 * first MNIST test digits from the server (GET /api/digits, page by page) when it has a data
 * directory, else the project's synthetic handwriting (src/data/synthetic-digits.ts), so the
 * panel works on a bare server too and says which it used. Pure apart from the fetch it is
 * handed; runs in the panel's worker.
 */
import type { ApiError, DigitsResponse } from '../../../src/server/api-types.js';
import { DIGITS_MAX_LIMIT } from '../../../src/server/api-types.js';
import { syntheticDigits } from '../../../src/data/synthetic-digits.js';

const PIXELS = 28 * 28;

export interface DigitSet {
  /** [n,28,28] 0..255, ink = 255 (MNIST polarity) */
  pixels: Uint8Array;
  /** [n] the digit each image shows */
  labels: Uint8Array;
  n: number;
  source: 'mnist' | 'generated';
  /** one sentence for the page: what these digits are */
  note: string;
}

/** How many MNIST test digits the panel searches (the first ones of the split). */
export const MNIST_DIGITS = 2000;

export type FetchLike = (url: string) => Promise<Pick<Response, 'ok' | 'status' | 'text'>>;

/** 784 bytes from the API's base64. */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

class PageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function page(fetchFn: FetchLike, offset: number, limit: number): Promise<DigitsResponse> {
  const url = `/api/digits?split=test&kind=all&offset=${offset}&limit=${limit}`;
  const res = await fetchFn(url).catch((e: unknown) => {
    throw new PageError('network', `could not reach the convscope server (${e instanceof Error ? e.message : String(e)})`);
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PageError('bad-reply', `${url}: the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = body as Partial<ApiError>;
    throw new PageError(e.code ?? 'error', e.error ?? `${url}: HTTP ${res.status}`);
  }
  return body as DigitsResponse;
}

/**
 * The first `count` MNIST test digits from the server, or — when it has no data directory, or the
 * digits cannot be fetched — `synthetic` generated digits, whose note says why. Never throws.
 */
export async function loadDigitSet(fetchFn: FetchLike, count = MNIST_DIGITS, onProgress?: (done: number, total: number) => void, synthetic = SYNTHETIC_DIGITS): Promise<DigitSet> {
  try {
    const first = await page(fetchFn, 0, Math.min(count, DIGITS_MAX_LIMIT));
    const n = Math.min(count, first.splitSize);
    const pixels = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n);
    const take = (r: DigitsResponse): void => {
      for (const d of r.items) {
        if (d.index >= n) continue;
        pixels.set(base64Bytes(d.pixels), d.index * PIXELS);
        labels[d.index] = d.label;
      }
    };
    take(first);
    let done = Math.min(n, first.items.length);
    onProgress?.(done, n);
    const offsets: number[] = [];
    for (let o = first.items.length; o < n; o += DIGITS_MAX_LIMIT) offsets.push(o);
    // a few pages at a time: the server answers each in milliseconds, the transfer dominates
    for (let i = 0; i < offsets.length; i += 4) {
      const pages = await Promise.all(offsets.slice(i, i + 4).map((o) => page(fetchFn, o, Math.min(DIGITS_MAX_LIMIT, n - o))));
      for (const p of pages) {
        take(p);
        done += p.items.length;
      }
      onProgress?.(Math.min(done, n), n);
    }
    return { pixels, labels, n, source: 'mnist', note: `the first ${n.toLocaleString('en-US')} MNIST test digits (from the server's data directory)` };
  } catch (e) {
    const set = generatedDigits(synthetic);
    const why =
      e instanceof PageError && e.code === 'no-data'
        ? 'This server has no MNIST data directory (start it with --data DIR for real test digits), so'
        : `Could not fetch MNIST test digits (${e instanceof Error ? e.message : String(e)}), so`;
    return { ...set, note: `${why} these are ${set.note}` };
  }
}

/** How many synthetic digits to search when there is no MNIST (about 1.5 s to write, in the worker). */
export const SYNTHETIC_DIGITS = 1000;
const SYNTHETIC_SEED = 1;

/**
 * The project's synthetic handwriting (src/data/synthetic-digits.ts): digits written by simulated
 * writers from pen-stroke templates and preprocessed as a user's drawing is, as bytes.
 */
export function generatedDigits(count = SYNTHETIC_DIGITS): DigitSet {
  const set = syntheticDigits({ count, seed: SYNTHETIC_SEED });
  const pixels = new Uint8Array(count * PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(set.images[i] * 255);
  return {
    pixels,
    labels: set.labels,
    n: count,
    source: 'generated',
    note:
      `${count.toLocaleString('en-US')} synthetic digits, not MNIST: written by simulated writers from pen-stroke templates ` +
      '(two or three ways of writing each digit; each writer with their own slant, pen and shakiness), then centred as MNIST digits are.',
  };
}
