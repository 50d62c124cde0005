/**
 * A progress bar on stderr for long runs: redrawn in place on a terminal, a line per 10% otherwise (CI logs),
 * silent with --quiet. stdout stays free for results.
 */
export class Progress {
  private lastDecile = -1;
  private readonly start = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean } = process.stderr,
    private readonly quiet = false,
  ) {}

  update(done: number, detail = ''): void {
    if (this.quiet || this.total <= 0) return;
    const fraction = Math.min(1, done / this.total);
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const time = done >= this.total ? `${elapsed.toFixed(1)} s` : `${elapsed.toFixed(1)} s, ~${eta.toFixed(0)} s left`;
    if (this.stream.isTTY) {
      const width = 28;
      const filled = Math.round(fraction * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${time} ${detail}`
          .padEnd(100)
          .slice(0, 140),
      );
      if (done >= this.total) this.stream.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(
        `${this.label}: ${done}/${this.total} (${Math.round(fraction * 100)}%) ${time}${detail ? ` ${detail}` : ''}\n`,
      );
    }
  }
}
