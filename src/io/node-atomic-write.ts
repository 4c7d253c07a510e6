/**
 * Node-only file plumbing for model files: replace a file atomically (a crash leaves the old file
 * or the new one, never half of either) and read a file only if it is under a size limit.
 *
 * It does not clean up temp files left by a process that was killed mid-write (nothing can run
 * then); they are dot-files named `.<target>.<pid>.<random>.tmp` beside the target, easy to spot.
 * It does not lock: two writers racing on one path each replace it whole, the last rename wins.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConvscopeError } from '../engine/errors.js';

/** A file could not be written or read; `path` is the file meant, `cause` the system error if any. */
export class FileIoError extends ConvscopeError {
  constructor(
    readonly path: string,
    message: string,
    cause?: unknown,
  ) {
    super(message);
    if (cause !== undefined) this.cause = cause;
  }
}

export interface WriteFileAtomicOptions {
  /**
   * Writes all of `bytes` to the open temp file. Only tests replace it, to simulate a write that
   * fails or never finishes.
   */
  write?: (handle: FileHandle, bytes: Uint8Array) => Promise<void>;
}

/** Directory fsync is not allowed everywhere (Windows, some network file systems); the data is already renamed in. */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP']);

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Replaces `path` with `bytes`: writes a temp file in the same directory, fsyncs it, renames it over
 * the target and fsyncs the directory. On any failure the temp file is removed and the previous
 * content of `path` is untouched. A symlink at `path` is followed, so the file it points to is
 * replaced; an existing file keeps its permission bits.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, opts: WriteFileAtomicOptions = {}): Promise<void> {
  let target = path;
  let mode: number | undefined;
  try {
    target = await realpath(path);
    const st = await stat(target);
    if (st.isDirectory()) throw new FileIoError(path, `cannot write ${path}: it is a directory`);
    mode = st.mode & 0o7777;
  } catch (e) {
    if (e instanceof FileIoError) throw e;
    if (codeOf(e) !== 'ENOENT') throw new FileIoError(path, `cannot write ${path}: ${reason(e)}`, e);
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

  let handle: FileHandle | undefined;
  let step = 'create a temp file in its directory';
  try {
    handle = await open(tmp, 'wx', mode ?? 0o666);
    step = 'write';
    if (opts.write) await opts.write(handle, bytes);
    else await handle.writeFile(bytes);
    step = 'set permissions';
    // The umask applied at open; an existing file's exact bits are restored here.
    if (mode !== undefined) await handle.chmod(mode);
    step = 'fsync';
    await handle.sync();
    step = 'close';
    await handle.close();
    handle = undefined;
    step = 'rename the temp file over it';
    await rename(tmp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    const detail = codeOf(e) === 'ENOENT' && step.startsWith('create') ? `directory ${dir} does not exist` : reason(e);
    throw new FileIoError(path, `cannot write ${path} (failed to ${step}; previous file left as it was): ${detail}`, e);
  }

  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch (e) {
    const code = codeOf(e);
    if (code === undefined || !DIR_SYNC_UNSUPPORTED.has(code)) {
      throw new FileIoError(path, `wrote ${path}, but could not fsync directory ${dir}, so the rename may not survive a crash: ${reason(e)}`, e);
    }
  }
}

/**
 * Reads `path` whole, refusing before reading anything if it is larger than `maxBytes` (a model
 * path pointed at a multi-gigabyte file should fail at once, not after filling memory).
 */
export async function readFileLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new FileIoError(path, `readFileLimited: maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const detail = codeOf(e) === 'ENOENT' ? 'no such file' : reason(e);
    throw new FileIoError(path, `cannot read ${path}: ${detail}`, e);
  }
  try {
    // fstat on the open handle, so the size checked is the size of the file being read.
    const st = await handle.stat();
    if (!st.isFile()) throw new FileIoError(path, `cannot read ${path}: not a regular file`);
    if (st.size > maxBytes) {
      throw new FileIoError(path, `cannot read ${path}: it is ${st.size} bytes, over the limit of ${maxBytes} bytes`);
    }
    const out = new Uint8Array(st.size);
    let filled = 0;
    while (filled < out.length) {
      const { bytesRead } = await handle.read(out, filled, out.length - filled, filled);
      if (bytesRead === 0) throw new FileIoError(path, `cannot read ${path}: it shrank from ${st.size} to ${filled} bytes while being read`);
      filled += bytesRead;
    }
    const { bytesRead: extra } = await handle.read(new Uint8Array(1), 0, 1, filled);
    if (extra > 0) throw new FileIoError(path, `cannot read ${path}: it grew past ${st.size} bytes while being read`);
    return out;
  } catch (e) {
    if (e instanceof FileIoError) throw e;
    throw new FileIoError(path, `cannot read ${path}: ${reason(e)}`, e);
  } finally {
    await handle.close();
  }
}
