/** LatestWins: one job at a time, the newest waiting job replaces older ones; nextBehind: slow methods take turns. */
import { describe, expect, it } from 'vitest';
import { LatestWins, nextBehind } from './latest-wins.js';

/** A job that waits until released, so the test controls when each one ends. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('LatestWins', () => {
  it('runs a job at once when idle, and jobs submitted meanwhile only the newest (1 running, 2 and 3 waiting → 1, 3)', async () => {
    const ran: number[] = [];
    const gates = new Map<number, ReturnType<typeof gate>>();
    const lw = new LatestWins<number>(
      async (j) => {
        ran.push(j);
        const g = gate();
        gates.set(j, g);
        await g.promise;
      },
      (e) => {
        throw e;
      },
    );
    lw.submit(1);
    expect(ran).toEqual([1]);
    expect(lw.running).toBe(true);
    lw.submit(2);
    lw.submit(3);
    gates.get(1)?.open();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([1, 3]);
    gates.get(3)?.open();
    await lw.idle();
    expect(ran).toEqual([1, 3]);
    expect(lw.running).toBe(false);
  });

  it('reports a failing job and goes on with the next', async () => {
    const errors: string[] = [];
    const ran: number[] = [];
    const lw = new LatestWins<number>(
      (j) => {
        ran.push(j);
        if (j === 1) throw new Error('job 1 failed');
      },
      (e, j) => errors.push(`${j}: ${(e as Error).message}`),
    );
    lw.submit(1);
    await lw.idle();
    lw.submit(2);
    await lw.idle();
    expect(errors).toEqual(['1: job 1 failed']);
    expect(ran).toEqual([1, 2]);
  });
});

describe('nextBehind', () => {
  it('takes the methods behind the newest input in turn, starting after the last one run', () => {
    expect(nextBehind([0, 0, 0], 1, -1)).toBe(0);
    expect(nextBehind([1, 0, 0], 1, 0)).toBe(1);
    // input 2 arrived while method 1 ran input 1: method 2 still goes before method 0 redoes anything
    expect(nextBehind([1, 1, 0], 2, 1)).toBe(2);
    expect(nextBehind([1, 1, 2], 2, 2)).toBe(0);
    expect(nextBehind([2, 2, 2], 2, 0)).toBeNull();
  });

  it('lets every method finish once per round while inputs keep coming (3 methods, a new input after each run)', () => {
    const done = [0, 0, 0];
    const order: number[] = [];
    let latest = 1;
    let last = -1;
    for (let step = 0; step < 9; step++) {
      const m = nextBehind(done, latest, last);
      if (m === null) break;
      order.push(m);
      done[m] = latest;
      last = m;
      latest++;
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });
});
