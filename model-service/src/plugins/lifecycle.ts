/**
 * Readiness state shared by the readiness probe, the request hooks and the
 * shutdown sequence.
 */
export class Lifecycle {
  private drainingSince: number | undefined;

  /** Ready = the model is loaded (it is, once the app exists) and shutdown has not begun. */
  get ready(): boolean {
    return this.drainingSince === undefined;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Marks the service as shutting down: /readyz fails and responses ask clients to reconnect elsewhere. */
  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
