/**
 * Reads a fetch reply's body chunk by chunk, reporting the bytes so far against Content-Length,
 * so the explorer can show how much of a model file has arrived (LeNet's 1.7 MB takes seconds on a
 * slow connection). When the length is unknown (no header, or a compressed reply whose header
 * counts the compressed bytes) it reports bytes only, never a made-up percentage.
 */

export interface DownloadProgress {
  /** bytes received so far */
  loaded: number;
  /** the file's size in bytes, or null when the reply does not say */
  total: number | null;
}

/** The reply's whole body, calling onProgress after every chunk (and once at the start). */
export async function readWithProgress(res: Response, onProgress: (p: DownloadProgress) => void): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const n = declared === null || encoded ? NaN : Number(declared);
  const total = Number.isSafeInteger(n) && n >= 0 ? n : null;
  onProgress({ loaded: 0, total });
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress({ loaded: bytes.length, total });
    return bytes;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress({ loaded, total: total !== null && loaded <= total ? total : null });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** "0.8 of 1.7 MB (47%)", or "0.8 MB" when the size is unknown. */
export function progressText(p: DownloadProgress): string {
  const mb = (b: number): string => (b / 1e6).toFixed(b < 1e5 ? 2 : 1);
  if (p.total === null || p.total === 0) return `${mb(p.loaded)} MB`;
  return `${mb(p.loaded)} of ${mb(p.total)} MB (${Math.floor((p.loaded / p.total) * 100)}%)`;
}
