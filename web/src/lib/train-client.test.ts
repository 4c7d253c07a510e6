/**
 * TrainClient against a stand-in worker: requests go out as the protocol says, replies come back
 * as one event stream, snapshot() and log() settle with their own reply (or its refusal), a
 * failure without a request becomes an 'error' event, and dispose() rejects what is still waiting.
 */
import { describe, expect, it } from 'vitest';
import { TrainClient, type TrainClientEvent } from './train-client.js';
import type { TrainReply, TrainRequest, TrainSettings } from './train-protocol.js';

class FakeWorker {
  sent: TrainRequest[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<TrainReply>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(m: TrainRequest): void {
    this.sent.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(m: TrainReply): void {
    this.onmessage?.({ data: m } as MessageEvent<TrainReply>);
  }
}

function setup() {
  const workers: FakeWorker[] = [];
  const client = new TrainClient(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  const events: TrainClientEvent[] = [];
  client.onEvent((e) => events.push(e));
  return { client, workers, events };
}

const settings = { model: { kind: 'zoo', name: 'tiny' }, data: { kind: 'served', dataset: 'mnist' } } as TrainSettings;
const position = { step: 3, epoch: 0, batch: 3, totalSteps: 10, stepsPerEpoch: 10 };

describe('TrainClient', () => {
  it('starts the worker on first use and sends each command as a request', () => {
    const { client, workers } = setup();
    expect(workers).toHaveLength(0);
    client.start(settings);
    client.pause();
    client.step();
    client.resume();
    client.stop();
    expect(workers).toHaveLength(1);
    expect(workers[0]!.sent.map((m) => m.kind)).toEqual(['start', 'pause', 'step', 'resume', 'stop']);
    expect(workers[0]!.sent[0]).toEqual({ kind: 'start', settings });
  });

  it('hands every reply to the listeners as one stream and keeps the last state', () => {
    const { client, workers, events } = setup();
    client.start(settings);
    const w = workers[0]!;
    w.reply({ kind: 'engine', label: 'WebAssembly SIMD, 1 thread', fallback: null });
    w.reply({ kind: 'data', train: 60000, test: 10000, name: 'mnist' });
    w.reply({ kind: 'event', event: { type: 'state', state: 'paused', position } });
    expect(client.state).toBe('paused');
    expect(events.map((e) => e.type)).toEqual(['engine', 'data', 'state']);
  });

  it('settles snapshot() and log() with their own replies, or rejects with the worker\'s reason', async () => {
    const { client, workers } = setup();
    client.start(settings);
    const w = workers[0]!;
    const a = client.snapshot();
    const b = client.snapshot();
    const ids = w.sent.filter((m) => m.kind === 'snapshot').map((m) => (m as { id: number }).id);
    expect(new Set(ids).size).toBe(2);
    const bytes = Uint8Array.of(1, 2, 3);
    w.reply({ kind: 'snapshot', id: ids[1]!, bytes, step: 7 });
    w.reply({ kind: 'failed', id: ids[0]!, message: 'there is no model to snapshot yet' });
    await expect(b).resolves.toEqual({ bytes, step: 7 });
    await expect(a).rejects.toThrow('there is no model to snapshot yet');
  });

  it('turns a failure that answers no request into an error event, and dispose() rejects what waits', async () => {
    const { client, workers, events } = setup();
    client.start(settings);
    workers[0]!.reply({ kind: 'failed', id: null, message: "unknown zoo model 'resnet'" });
    expect(events).toEqual([{ type: 'error', kind: 'settings', message: "unknown zoo model 'resnet'", step: 0 }]);
    const pending = client.log();
    client.dispose();
    expect(workers[0]!.terminated).toBe(true);
    await expect(pending).rejects.toThrow('the training worker was closed');
    client.start(settings);
    expect(workers).toHaveLength(2); // a new worker after dispose
  });

  it('stops telling a listener once it is removed', () => {
    const { client, workers } = setup();
    const seen: string[] = [];
    const off = client.onEvent((e) => seen.push(e.type));
    client.start(settings);
    workers[0]!.reply({ kind: 'engine', label: 'x', fallback: null });
    off();
    workers[0]!.reply({ kind: 'engine', label: 'y', fallback: null });
    expect(seen).toEqual(['engine']);
  });
});
