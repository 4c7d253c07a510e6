/**
 * Node plumbing shared by the data-set loader and the downloader: turn the bytes of one idx file
 * (gzipped or raw, told apart by the gzip magic, not the name) into uncompressed bytes and their
 * MD5. It does not decode the idx header (idx.ts does) or decide what a mismatch means.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** The largest idx file either data set has is 47,040,016 bytes; refuse to inflate far past that. */
export const MAX_IDX_BYTES = 64 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Uncompressed content as a plain Uint8Array (not a Buffer, whose slice() shares memory). Throws Error with zlib's reason. */
export async function inflateIdx(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const out = await gunzipAsync(bytes, { maxOutputLength: MAX_IDX_BYTES });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // fetch wraps the useful part (ECONNREFUSED, ENOTFOUND) in `cause`
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}
