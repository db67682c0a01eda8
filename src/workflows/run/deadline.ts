// timeoutMinutes: a timer that, when it fires first, stops the work like a cancel request. It runs from
// leaving the queue: a run waiting for a slot has not started yet.
import { CancellationScope, sleep } from '@temporalio/workflow';

export class Deadline {
  private fired = false;
  private readonly timer = new CancellationScope();

  constructor(readonly minutes: number) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    this.timer
      .run(() => sleep(this.minutes * 60_000))
      .then(() => {
        this.fired = true;
        scope.cancel();
      })
      .catch(() => {}); // the run ended first and stopped the timer
    return scope.run(work);
  }

  /** Whether the work was stopped by the deadline. */
  get passed(): boolean {
    return this.fired;
  }

  stop(): void {
    this.timer.cancel();
  }
}
