/**
 * The digits the panel searches: pages of /api/digits assembled in order (against a fake server
 * with the real one's paging and errors; test/e2e/looks-for.test.ts checks the real one), and the
 * synthetic set used without data.
 */
import { describe, expect, it } from 'vitest';
import type { DigitsResponse } from '../../../src/server/api-types.js';
import { syntheticDigits } from '../../../src/data/synthetic-digits.js';
import { base64Bytes, generatedDigits, loadDigitSet, SYNTHETIC_DIGITS, type FetchLike } from './looks-for-digits.js';

/** A server holding `n` digits whose pixels all equal (index mod 251), answering pages as /api/digits does. */
function fakeServer(n: number): { fetch: FetchLike; asked: string[] } {
  const asked: string[] = [];
  const fetch: FetchLike = async (url) => {
    asked.push(url);
    const q = new URL(url, 'http://x').searchParams;
    const offset = Number(q.get('offset'));
    const limit = Number(q.get('limit'));
    if (limit > 100) return { ok: false, status: 400, text: async () => JSON.stringify({ error: `'limit' must be an integer in 1..100; got "${limit}"`, code: 'bad-param', status: 400 }) };
    const items = Array.from({ length: Math.max(0, Math.min(limit, n - offset)) }, (_, k) => {
      const index = offset + k;
      return { index, label: index % 10, pixels: btoa(String.fromCharCode(...new Uint8Array(784).fill(index % 251))) };
    });
    const body: DigitsResponse = { split: 'test', kind: 'all', model: null, offset, limit, total: n, scanned: 0, splitSize: n, items };
    return { ok: true, status: 200, text: async () => JSON.stringify(body) };
  };
  return { fetch, asked };
}

describe('loadDigitSet', () => {
  it('assembles the first 450 test digits from pages of at most 100, in order', async () => {
    const server = fakeServer(10_000);
    const progress: string[] = [];
    const set = await loadDigitSet(server.fetch, 450, (d, t) => progress.push(`${d}/${t}`));
    expect(set.source).toBe('mnist');
    expect(set.n).toBe(450);
    expect(set.note).toBe('the first 450 MNIST test digits (from the server\'s data directory)');
    expect(server.asked).toHaveLength(5);
    expect(server.asked[0]).toBe('/api/digits?split=test&kind=all&offset=0&limit=100');
    expect(server.asked.at(-1)).toBe('/api/digits?split=test&kind=all&offset=400&limit=50');
    for (const i of [0, 99, 100, 250, 449]) {
      expect(set.labels[i]).toBe(i % 10);
      expect(set.pixels[i * 784 + 391]).toBe(i % 251);
    }
    expect(progress).toEqual(['100/450', '450/450']);
  });

  it('takes no more than the split holds', async () => {
    const set = await loadDigitSet(fakeServer(130).fetch, 2000);
    expect(set.n).toBe(130);
    expect(set.pixels[129 * 784]).toBe(129);
  });

  it('falls back to the generated set on a server without data, saying how to add it', async () => {
    const noData: FetchLike = async () => ({ ok: false, status: 404, text: async () => JSON.stringify({ error: 'no MNIST data directory is configured', code: 'no-data', status: 404 }) });
    const set = await loadDigitSet(noData);
    expect(set.source).toBe('generated');
    expect(set.n).toBe(SYNTHETIC_DIGITS);
    expect(set.note).toMatch(/^This server has no MNIST data directory \(start it with --data DIR for real test digits\), so these are 1,000 synthetic digits, not MNIST/);
  });

  it('falls back to the generated set when the server cannot be reached, saying why', async () => {
    const down: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    const set = await loadDigitSet(down);
    expect(set.source).toBe('generated');
    expect(set.note).toMatch(/^Could not fetch MNIST test digits \(could not reach the convscope server \(Failed to fetch\)\), so these are 1,000 synthetic digits/);
  });

  it('decodes base64 bytes', () => {
    expect(Array.from(base64Bytes(btoa('\x00\x7f\xff')))).toEqual([0, 127, 255]);
  });
});

describe('generatedDigits', () => {
  it('is the project\'s synthetic handwriting as bytes: balanced, the same every time', () => {
    const set = generatedDigits(200);
    const ref = syntheticDigits({ count: 200, seed: 1 });
    expect(set.n).toBe(200);
    expect(set.source).toBe('generated');
    expect(set.pixels).toEqual(Uint8Array.from(ref.images, (v) => Math.round(v * 255)));
    expect(set.labels).toEqual(ref.labels);
    for (let d = 0; d < 10; d++) expect(set.labels.filter((l) => l === d).length).toBe(20);
    expect(generatedDigits(200).pixels).toEqual(set.pixels);
    expect(set.note).toMatch(/^200 synthetic digits, not MNIST: written by simulated writers/);
  });
});
