/**
 * Prometheus metrics in the text exposition format (version 0.0.4), hand-written: a few
 * counters and histograms do not need a library. Values are per process; Prometheus scrapes
 * every instance and sums.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries
    .map(
      ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

function braces(key: string): string {
  return key === '' ? '' : `{${key}}`;
}

export class Counter {
  readonly #values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, amount = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + amount);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.#values) lines.push(`${this.name}${braces(key)} ${value}`);
    return lines.join('\n');
  }
}

interface HistogramSeries {
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class Histogram {
  readonly #series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in seconds, ascending. */
    readonly bounds: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ) {}

  observe(labels: Labels, seconds: number): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.bounds.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i] = (series.buckets[i] ?? 0) + 1;
    });
    series.sum += seconds;
    series.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.#series) {
      const prefix = key === '' ? '' : `${key},`;
      this.bounds.forEach((bound, i) => {
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${series.buckets[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum${braces(key)} ${series.sum}`);
      lines.push(`${this.name}_count${braces(key)} ${series.count}`);
    }
    return lines.join('\n');
  }
}

/** The server's metrics. One instance per app; the ledger records outcomes through it. */
export class ServerMetrics {
  readonly pushes = new Counter(
    'tillpoint_push_requests_total',
    'Push requests committed, by collection (refused ones are in tillpoint_http_errors_total by code).',
  );
  readonly pushedRows = new Counter(
    'tillpoint_pushed_rows_total',
    'Rows received in pushes by collection.',
  );
  readonly pulls = new Counter(
    'tillpoint_pull_requests_total',
    'Pull requests by collection and result.',
  );
  readonly pulledDocuments = new Counter(
    'tillpoint_pulled_documents_total',
    'Documents served by pulls by collection.',
  );
  readonly conflicts = new Counter(
    'tillpoint_conflicts_total',
    'Push rows answered with a conflict, by collection.',
  );
  readonly outcomes = new Counter(
    'tillpoint_transaction_outcomes_total',
    'Ledger transactions applied, by outcome status.',
  );
  readonly httpErrors = new Counter('tillpoint_http_errors_total', 'Error responses by code.');
  readonly pushLatency = new Histogram(
    'tillpoint_push_duration_seconds',
    'Push latency until commit, by collection.',
  );
  readonly pullLatency = new Histogram(
    'tillpoint_pull_duration_seconds',
    'Pull latency, by collection.',
  );
  readonly #gauges: (() => string)[] = [];

  /** Adds a gauge computed at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.push(() => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${read()}`);
  }

  render(): string {
    return `${[
      this.pushes,
      this.pushedRows,
      this.pulls,
      this.pulledDocuments,
      this.conflicts,
      this.outcomes,
      this.httpErrors,
      this.pushLatency,
      this.pullLatency,
    ]
      .map((metric) => metric.render())
      .concat(this.#gauges.map((render) => render()))
      .join('\n')}\n`;
  }
}
