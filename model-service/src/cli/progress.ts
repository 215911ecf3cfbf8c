import { Presets, SingleBar } from 'cli-progress';

/**
 * One progress bar at a time on stderr (stdout stays clean for --json).
 * cli-progress draws nothing when stderr is not a terminal, so logs and CI
 * output are not flooded.
 */
export class StageProgress {
  private bar: SingleBar | undefined;
  private stage = '';

  update(stage: string, done: number, total: number, unit = ''): void {
    if (stage !== this.stage) {
      this.stop();
      this.stage = stage;
      this.bar = new SingleBar(
        { format: `${stage.padEnd(10)} [{bar}] {percentage}% | {value}/{total}${unit}`, hideCursor: true, clearOnComplete: false },
        Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), 0);
    }
    this.bar?.setTotal(Math.max(total, 1));
    this.bar?.update(done);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.stage = '';
  }
}
