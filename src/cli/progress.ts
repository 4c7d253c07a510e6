/**
 * Training progress for people: a bar per epoch (images/s, loss, ETA) on a terminal, plain lines
 * elsewhere (logs, CI, pipes), and a line per finished epoch with the test accuracy.
 */
import cliProgress from 'cli-progress';
import type { TrainEvent } from '../train/trainer.js';
import type { CliIo } from './io.js';

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

export function pct(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

export function createProgressReporter(io: CliIo, epochs: number): (e: TrainEvent) => void {
  let bar: cliProgress.SingleBar | null = null;
  let nextPlain = 0;
  return (e) => {
    switch (e.type) {
      case 'start':
        io.err(`training ${e.examples.toLocaleString('en-US')} images, ${epochs} epoch(s) of ${e.stepsPerEpoch} batches\n`);
        return;
      case 'batch': {
        const ips = e.images / Math.max(e.elapsedMs / 1000, 1e-9);
        const eta = ((e.batches - e.batch - 1) * (e.elapsedMs / 1000)) / (e.batch + 1);
        const payload = { ips: Math.round(ips).toLocaleString('en-US'), loss: e.loss.toFixed(4), etaText: formatSeconds(eta) };
        if (io.isTTY) {
          if (!bar) {
            bar = new cliProgress.SingleBar(
              { format: `epoch ${e.epoch + 1}/${epochs} [{bar}] {percentage}% | {ips} img/s | loss {loss} | ETA {etaText}`, stream: process.stderr, hideCursor: true },
              cliProgress.Presets.shades_classic,
            );
            bar.start(e.batches, e.batch + 1, payload);
          } else bar.update(e.batch + 1, payload);
        } else if (e.batch + 1 >= nextPlain || e.batch + 1 === e.batches) {
          io.err(`epoch ${e.epoch + 1}/${epochs} batch ${e.batch + 1}/${e.batches}: ${payload.ips} img/s, loss ${payload.loss}, ETA ${payload.etaText}\n`);
          nextPlain = e.batch + 1 + Math.ceil(e.batches / 10);
        }
        return;
      }
      case 'epoch':
        bar?.stop();
        bar = null;
        nextPlain = 0;
        io.err(
          `epoch ${e.epoch + 1}/${epochs}: train loss ${e.trainLoss.toFixed(4)}, train accuracy ${pct(e.trainAccuracy)}` +
            (e.testAccuracy !== undefined ? `, test accuracy ${pct(e.testAccuracy)}` : '') +
            ` (${e.seconds.toFixed(1)} s, ${Math.round(e.imagesPerSecond).toLocaleString('en-US')} img/s)\n`,
        );
        return;
      case 'stopped':
        bar?.stop();
        bar = null;
        return;
    }
  };
}
