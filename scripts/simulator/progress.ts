import type { DeliveryStats } from './delivery-stats.js';

/** The progress line on stderr: redrawn in place on a terminal, a line every few seconds in a log. */
export function showProgress(stats: DeliveryStats, stream: NodeJS.WriteStream = process.stderr): { stop(): void } {
  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  const draw = (last: boolean) => {
    const line = stats.progressLine(elapsedS());
    stream.write(stream.isTTY ? `\r\x1b[2K${line}${last ? '\n' : ''}` : `${line}\n`);
  };
  const timer = setInterval(() => draw(false), stream.isTTY ? 250 : 5000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      draw(true);
    },
  };
}
