/**
 * Latest input wins, for slow work fed by a stream of inputs (drawing makes a new one every frame;
 * only the newest matters): a runner that keeps at most one job waiting, a job submitted while
 * another runs replacing whatever was waiting; and, for several methods over the same inputs,
 * the choice of which one catches up next. The analysis worker uses both; they know nothing of
 * workers or explanations.
 */

export type Run<J> = (job: J) => Promise<void> | void;

export class LatestWins<J> {
  private waiting: { job: J } | null = null;
  private busy = false;
  private idleWaiters: (() => void)[] = [];

  /** `onError` receives what a job threw (the runner carries on with the next job). */
  constructor(
    private readonly run: Run<J>,
    private readonly onError: (error: unknown, job: J) => void,
  ) {}

  /** Runs `job` now if idle, else after the running one, replacing any job still waiting. */
  submit(job: J): void {
    this.waiting = { job };
    if (!this.busy) void this.pump();
  }

  /** True while a job runs. */
  get running(): boolean {
    return this.busy;
  }

  /** Resolves once no job runs and none waits. */
  idle(): Promise<void> {
    return this.busy ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    while (this.waiting !== null) {
      const { job } = this.waiting;
      this.waiting = null;
      try {
        await this.run(job);
      } catch (e) {
        this.onError(e, job);
      }
    }
    this.busy = false;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}

/**
 * Several slow methods over one stream of inputs: which to run next so that each catches up with
 * the newest input in turn (round robin from the one after `last`), or null when every method has
 * done the newest. done[i] is the id of the input method i last finished, latest the newest id.
 * Restarting all of them on every input instead would, while a digit is being drawn, keep
 * redoing the first method and never reach the others.
 */
export function nextBehind(done: ArrayLike<number>, latest: number, last: number): number | null {
  const n = done.length;
  for (let k = 1; k <= n; k++) {
    const i = (last + k + n) % n;
    if (done[i] < latest) return i;
  }
  return null;
}
