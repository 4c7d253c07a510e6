import { describe, expect, it } from 'vitest';
import { progressText, readWithProgress, type DownloadProgress } from './download-progress.js';

/** A reply whose body arrives in the given chunks. */
function reply(chunks: number[], headers: Record<string, string>): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(new Uint8Array(chunks[i]).fill(i++ + 1));
      else c.close();
    },
  });
  return new Response(body, { headers });
}

describe('readWithProgress', () => {
  it('reports every chunk against Content-Length and returns the bytes in order (chunks 3+5+2 of 10)', async () => {
    const seen: DownloadProgress[] = [];
    const bytes = await readWithProgress(reply([3, 5, 2], { 'content-length': '10' }), (p) => seen.push(p));
    expect(seen).toEqual([
      { loaded: 0, total: 10 },
      { loaded: 3, total: 10 },
      { loaded: 8, total: 10 },
      { loaded: 10, total: 10 },
    ]);
    expect(Array.from(bytes)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
  });

  it('has no total for a compressed reply (its Content-Length counts compressed bytes) or a missing header', async () => {
    const gz: DownloadProgress[] = [];
    await readWithProgress(reply([4], { 'content-length': '2', 'content-encoding': 'gzip' }), (p) => gz.push(p));
    expect(gz.map((p) => p.total)).toEqual([null, null]);
    const none: DownloadProgress[] = [];
    await readWithProgress(reply([4], {}), (p) => none.push(p));
    expect(none.at(-1)).toEqual({ loaded: 4, total: null });
  });

  it('drops the total when more bytes arrive than Content-Length said, rather than pass 100%', async () => {
    const seen: DownloadProgress[] = [];
    await readWithProgress(reply([6, 6], { 'content-length': '8' }), (p) => seen.push(p));
    expect(seen.at(-1)).toEqual({ loaded: 12, total: null });
  });
});

describe('progressText', () => {
  it('says how much of how much arrived: 0.8 of 1.7 MB (47%)', () => {
    expect(progressText({ loaded: 800_000, total: 1_700_000 })).toBe('0.8 of 1.7 MB (47%)');
    expect(progressText({ loaded: 52_000, total: null })).toBe('0.05 MB');
    expect(progressText({ loaded: 0, total: 0 })).toBe('0.00 MB');
  });
});
