// The texts this warehouse's parser has already found to be exactly one read-only SELECT. A run's
// query is checked in prepareRun and again in exportInput, each time in a freshly opened sandboxed
// instance of the warehouse file (about a tenth of a second each on a 1M-row run, issue 14). The
// verdict is a property of the text and the settings it was checked under, so a repeat of the same
// text skips the second instance. Names are not bound again: a table dropped in between fails the
// export itself with DuckDB's catalog error, as it would have failed the check.
const MAX_ENTRIES = 256;

export class CheckedQueries {
  private readonly passed = new Map<string, true>();

  private static key(sql: string, useUtc: boolean, field: string): string {
    return JSON.stringify([sql, useUtc, field]);
  }

  has(sql: string, useUtc: boolean, field: string): boolean {
    const key = CheckedQueries.key(sql, useUtc, field);
    if (!this.passed.has(key)) return false;
    // Most recently used last, so the oldest entry is the one dropped.
    this.passed.delete(key);
    this.passed.set(key, true);
    return true;
  }

  add(sql: string, useUtc: boolean, field: string): void {
    this.passed.set(CheckedQueries.key(sql, useUtc, field), true);
    if (this.passed.size > MAX_ENTRIES) this.passed.delete(this.passed.keys().next().value!);
  }
}
