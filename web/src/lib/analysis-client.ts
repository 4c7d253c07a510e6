/**
 * The page's end of an analysis worker (analysis-worker.ts): starts it, numbers each request
 * (ids only grow, so a reply's id tells how fresh it is) and hands every reply to one listener.
 * Each panel of the Explain view owns one, so a long fooling search never holds up the maps.
 * Also the page's log of how long each method took (window.__convscopeMethods), which
 * test/e2e/measure-explain.ts reads.
 */
import type { AnalysisReply, AnalysisRequest } from './analysis-protocol.js';

type Request = AnalysisRequest extends infer R ? (R extends AnalysisRequest ? Omit<R, 'id'> : never) : never;

export class AnalysisWorker {
  private readonly worker: Worker;
  private last = 0;
  private readonly sentAt = new Map<number, number>();

  constructor(name: string, onreply: (m: AnalysisReply, sentAt: number | undefined) => void) {
    this.worker = new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module', name });
    this.worker.onmessage = (e: MessageEvent<AnalysisReply>) => {
      const m = e.data;
      const at = 'id' in m ? this.sentAt.get(m.id) : undefined;
      if (m.kind === 'done') this.sentAt.delete(m.id);
      onreply(m, at);
    };
    this.worker.onerror = (e) => onreply({ kind: 'error', id: this.last, message: e.message || 'the analysis worker stopped' }, undefined);
  }

  /** Sends a request (its arrays are copied, the caller keeps them) and returns its id. */
  send(req: Request): number {
    const id = ++this.last;
    this.sentAt.set(id, performance.now());
    // requests overtaken before they ran never answer: forget the oldest times
    if (this.sentAt.size > 64) for (const k of [...this.sentAt.keys()].slice(0, 32)) this.sentAt.delete(k);
    this.worker.postMessage({ ...req, id });
    return id;
  }

  /** The id of the newest request sent. */
  get latest(): number {
    return this.last;
  }

  terminate(): void {
    this.worker.terminate();
  }
}

declare global {
  interface Window {
    /** milliseconds per method and where it ran, e.g. "saliency (page)", "smoothgrad (worker)" */
    __convscopeMethods?: Record<string, number[]>;
  }
}

/** Adds one timing to the page's log (kept to the last 500 per name). */
export function recordMethodTime(name: string, ms: number): void {
  const log = (window.__convscopeMethods ??= {});
  const list = (log[name] ??= []);
  list.push(ms);
  if (list.length > 500) list.splice(0, list.length - 500);
}
