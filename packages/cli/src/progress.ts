/**
 * Training progress for people: a bar redrawn in place on a terminal (steps, loss,
 * throughput, ETA), plain lines otherwise (CI logs, pipes) at most every 5% or 30 s.
 */
import type { TrainProgress } from '@gradloc/models';
import type { Io } from './command.js';

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function describeProgress(p: TrainProgress): string {
  const rate = p.throughput >= 1000 ? `${(p.throughput / 1000).toFixed(1)}k` : p.throughput.toFixed(0);
  const metrics = p.metrics
    ? ` | ${Object.entries(p.metrics)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(' ')}`
    : '';
  return `step ${p.step}/${p.total} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${rate} ${p.unit}/s ETA ${formatDuration(p.etaSec)}${metrics}`;
}

export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

/** A progress callback for `io`; call `done()` after the last step. */
export function progressReporter(io: Io, label: string): { update: (p: TrainProgress) => void; done: () => void } {
  let lastLine = -1;
  let lastTime = 0;
  let drew = false;
  return {
    update(p) {
      if (io.tty && io.status) {
        io.status(`${label} ${bar(p.step / p.total)} ${describeProgress(p)}`);
        drew = true;
        if (p.metrics) {
          io.status('');
          io.err(`${label} ${describeProgress(p)}`);
        }
        return;
      }
      const bucket = Math.floor((20 * p.step) / p.total);
      const now = Date.now();
      if (bucket !== lastLine || now - lastTime > 30_000 || p.metrics || p.step === p.total) {
        lastLine = bucket;
        lastTime = now;
        io.err(`${label} ${describeProgress(p)}`);
      }
    },
    done() {
      if (drew && io.status) {
        io.status('');
      }
    },
  };
}

/** Progress of a counted stage ("calibrate 12/32"): redrawn on a terminal, every 25% otherwise. */
export function stageReporter(io: Io, label: string): { update: (stage: string, done: number, total: number) => void; done: () => void } {
  let last = '';
  let drew = false;
  return {
    update(stage, done, total) {
      if (io.tty && io.status) {
        io.status(`${label} ${stage} ${bar(done / total)} ${done}/${total}`);
        drew = true;
        return;
      }
      const key = `${stage}:${Math.floor((4 * done) / total)}`;
      if (key !== last) {
        last = key;
        io.err(`${label} ${stage} ${done}/${total}`);
      }
    },
    done() {
      if (drew && io.status) io.status('');
    },
  };
}
