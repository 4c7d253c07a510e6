/**
 * Where your drawn digits are kept between visits: one IndexedDB object store, keyed by the
 * digit's id. Records read back are checked (parseStoredDigit) and anything else is skipped, so a
 * store written by another version cannot break the view. Where IndexedDB is missing or refused
 * (private windows in some browsers), the digits live in memory for the visit and `persistent`
 * says so.
 */
import { MAX_DRAWN_DIGITS, parseStoredDigit, type DrawnDigit } from './drawn-digits.js';

const DB_NAME = 'convscope';
const STORE = 'drawn-digits';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = () => {
      if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('could not open IndexedDB'));
    r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of the explorer'));
  });
}

export class DrawnDigitStore {
  private memory: DrawnDigit[] = [];
  private db: IDBDatabase | null = null;
  /** false when the digits are kept for this visit only, with why */
  persistent = true;
  whyNot: string | null = null;

  /** Opens the store and reads every digit in it, oldest first. */
  async load(): Promise<DrawnDigit[]> {
    try {
      this.db = await openDb();
      const all = await request(this.db.transaction(STORE).objectStore(STORE).getAll());
      this.memory = all.map(parseStoredDigit).filter((d): d is DrawnDigit => d !== null);
      this.memory.sort((a, b) => a.drawnAt.localeCompare(b.drawnAt));
    } catch (e) {
      this.persistent = false;
      this.whyNot = `your digits are kept for this visit only: ${(e as Error).message}`;
    }
    return [...this.memory];
  }

  async add(d: DrawnDigit): Promise<DrawnDigit[]> {
    if (this.memory.length >= MAX_DRAWN_DIGITS) throw new Error(`the set holds ${MAX_DRAWN_DIGITS} digits, its limit; delete some first`);
    if (this.db) await this.write((s) => s.put({ ...d }));
    this.memory = [...this.memory, d];
    return this.memory;
  }

  async remove(id: string): Promise<DrawnDigit[]> {
    if (this.db) await this.write((s) => s.delete(id));
    this.memory = this.memory.filter((d) => d.id !== id);
    return this.memory;
  }

  async clear(): Promise<DrawnDigit[]> {
    if (this.db) await this.write((s) => s.clear());
    this.memory = [];
    return this.memory;
  }

  private write(op: (s: IDBObjectStore) => IDBRequest): Promise<void> {
    const db = this.db;
    if (!db) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, 'readwrite');
      op(t.objectStore(STORE));
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('could not save to IndexedDB'));
      t.onabort = () => reject(t.error ?? new Error('saving to IndexedDB was aborted (is the disk full?)'));
    });
  }
}
