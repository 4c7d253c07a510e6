/**
 * Node plumbing shared by the data-set loader, the downloader and the server: turn one idx file
 * (gzipped or raw, told apart by the gzip magic, not the name) into uncompressed bytes and their
 * MD5, never holding more than MAX_IDX_BYTES of either. It does not decode the idx header (idx.ts
 * does) or decide what a checksum mismatch means.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { DataError } from './errors.js';

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

/**
 * Reads one idx file from disk, streaming: a file over `maxBytes` is refused before it is read, a
 * gzip is inflated chunk by chunk and stopped as soon as its output passes `maxBytes` (a 3 MB
 * decompression bomb costs at most the limit, not gigabytes), and the MD5 is computed as the bytes
 * arrive, so the event loop is never held for long. Throws DataError naming the file.
 */
export async function readIdxFile(path: string, maxBytes = MAX_IDX_BYTES): Promise<{ bytes: Uint8Array; md5: string }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorText(e)}`);
  }
  const hash = createHash('md5');
  const chunks: Buffer[] = [];
  let total = 0;
  let stage: 'read' | 'inflate' = 'read';
  // the pipeline reports its own abort, not why the sink stopped it: keep the reason here
  let refusal: DataError | null = null;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new DataError(`cannot read ${path}: not a regular file`);
    if (st.size > maxBytes) throw new DataError(`cannot read ${path}: it is ${st.size} bytes, over the limit of ${maxBytes} bytes`);
    const magic = new Uint8Array(2);
    await handle.read(magic, 0, 2, 0);
    const gz = isGzip(magic);
    const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) {
        total += chunk.length;
        if (total > maxBytes) {
          refusal = new DataError(`${path}: inflates to more than ${maxBytes} bytes, more than any idx file (a damaged file or a decompression bomb)`);
          throw refusal;
        }
        hash.update(chunk);
        chunks.push(chunk);
      }
    };
    const input = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 });
    if (gz) {
      stage = 'inflate';
      await pipeline(input, createGunzip({ chunkSize: 1 << 20 }), sink);
    } else {
      await pipeline(input, sink);
    }
  } catch (e) {
    if (refusal) throw refusal;
    if (e instanceof DataError) throw e;
    if (stage === 'inflate' && typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('Z_')) {
      throw new DataError(`${path}: cannot decompress it (truncated or damaged gzip): ${errorText(e)}`);
    }
    throw new DataError(`cannot read ${path}: ${errorText(e)}`);
  } finally {
    await handle.close();
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, md5: hash.digest('hex') };
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
