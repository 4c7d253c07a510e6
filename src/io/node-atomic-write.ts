/**
 * Node-only file plumbing for model files: replace a file atomically (a crash leaves the old file
 * or the new one, never half of either), check before a long job that a file can be written
 * there at all, and read a file only if it is under a size limit.
 *
 * Temp files are dot-files named `.<target>.<pid>.<12 hex digits>.tmp` beside the target. A
 * process killed mid-write cannot remove its own (nothing runs then), so every write and every
 * check of a target first removes that target's stale ones: those whose process is gone, and
 * those carrying this process's id that this process is not writing (a pid reused, as in a
 * container where every run may be pid 1). A live process's temp is left alone. Process ids are
 * this machine's, so two machines writing one network directory may remove each other's temps;
 * the writer whose temp vanished fails with the previous file intact.
 * It does not lock: two writers racing on one path each replace it whole, the last rename wins.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
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

/** Temp files this process is writing now: the only ones with its pid that are not stale. */
const inFlight = new Set<string>();

/** The file a write of `path` replaces (a symlink followed) and that file's permission bits, if it exists. */
async function resolveTarget(path: string): Promise<{ target: string; mode: number | undefined }> {
  try {
    const target = await realpath(path);
    const st = await stat(target);
    if (st.isDirectory()) throw new FileIoError(path, `cannot write ${path}: it is a directory`);
    return { target, mode: st.mode & 0o7777 };
  } catch (e) {
    if (e instanceof FileIoError) throw e;
    if (codeOf(e) === 'ENOTDIR') throw new FileIoError(path, `cannot write ${path}: part of its directory ${dirname(path)} is a file, not a directory`, e);
    if (codeOf(e) !== 'ENOENT') throw new FileIoError(path, `cannot write ${path}: ${reason(e)}`, e);
    return { target: path, mode: undefined };
  }
}

function newTempPath(target: string): string {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  inFlight.add(tmp);
  return tmp;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user
    return codeOf(e) === 'EPERM';
  }
}

/**
 * Removes the temp files that earlier writes of `target` left behind when their process was
 * killed (see the header for which count as stale) and returns their paths. Best effort: a
 * directory that cannot be listed, or a temp that cannot be removed, is left as it is.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    if (inFlight.has(path)) continue;
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      await unlink(path);
      removed.push(path);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

export interface CheckWritableOptions {
  /** write this many bytes into the probe (default 0): a file of that size fits, at this moment */
  bytes?: number;
  /** as in WriteFileAtomicOptions; only tests replace it */
  write?: (handle: FileHandle, bytes: Uint8Array) => Promise<void>;
}

/**
 * Checks, before a long job, that `writeFileAtomic(path, …)` can succeed: the target is not a
 * directory, its directory exists and takes a new temp file of `bytes` bytes (written and
 * fsynced, then removed). Removes the target's stale temps on the way. Throws FileIoError saying
 * what failed; leaves nothing behind either way.
 */
export async function checkWritable(path: string, opts: CheckWritableOptions = {}): Promise<void> {
  const { target } = await resolveTarget(path);
  await removeStaleTemps(target);
  const dir = dirname(target);
  const tmp = newTempPath(target);
  const size = opts.bytes ?? 0;
  let handle: FileHandle | undefined;
  let step = 'create a file in its directory';
  try {
    handle = await open(tmp, 'wx', 0o600);
    step = `write ${size} bytes`;
    // zeros in 1 MiB pieces: the size of a model file, without holding a second copy of it
    const chunk = new Uint8Array(Math.min(size, 1 << 20));
    for (let done = 0; done < size; done += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, size - done));
      if (opts.write) await opts.write(handle, piece);
      else await handle.write(piece, 0, piece.length, done);
    }
    step = 'fsync';
    await handle.sync();
  } catch (e) {
    const detail = codeOf(e) === 'ENOENT' && step.startsWith('create') ? `directory ${dir} does not exist` : reason(e);
    throw new FileIoError(path, `cannot write ${path} (checked before starting: failed to ${step}): ${detail}`, e);
  } finally {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    inFlight.delete(tmp);
  }
}

/**
 * Replaces `path` with `bytes`: writes a temp file in the same directory, fsyncs it, renames it over
 * the target and fsyncs the directory. On any failure the temp file is removed and the previous
 * content of `path` is untouched. A symlink at `path` is followed, so the file it points to is
 * replaced; an existing file keeps its permission bits. Stale temps of the target go first.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const { target, mode } = await resolveTarget(path);
  await removeStaleTemps(target);
  const dir = dirname(target);
  const tmp = newTempPath(target);

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
  } finally {
    inFlight.delete(tmp);
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
