/**
 * Prometheus text-format metrics (exposition format 0.0.4), kept in memory: counters and a
 * latency histogram, labelled by route template (never by wallet id: unbounded cardinality).
 * @module
 */

type Labels = Readonly<Record<string, string>>;

const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
}

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #histograms = new Map<
    string,
    { help: string; series: Map<string, { buckets: number[]; sum: number; count: number }> }
  >();

  increment(name: string, help: string, labels: Labels = {}, by = 1): void {
    let counter = this.#counters.get(name);
    if (!counter) {
      counter = { help, values: new Map() };
      this.#counters.set(name, counter);
    }
    const key = labelText(labels);
    counter.values.set(key, (counter.values.get(key) ?? 0) + by);
  }

  observeMs(name: string, help: string, labels: Labels, ms: number): void {
    let histogram = this.#histograms.get(name);
    if (!histogram) {
      histogram = { help, series: new Map() };
      this.#histograms.set(name, histogram);
    }
    const key = labelText(labels);
    let series = histogram.series.get(key);
    if (!series) {
      series = { buckets: LATENCY_BUCKETS_MS.map(() => 0), sum: 0, count: 0 };
      histogram.series.set(key, series);
    }
    const { buckets } = series;
    LATENCY_BUCKETS_MS.forEach((bound, k) => {
      if (ms <= bound) buckets[k] = (buckets[k] ?? 0) + 1;
    });
    series.sum += ms;
    series.count++;
  }

  /** The exposition text for `GET /metrics`. */
  render(gauges: Readonly<Record<string, { help: string; value: number }>> = {}): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of this.#counters) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
    }
    for (const [name, { help, series }] of this.#histograms) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [labels, s] of series) {
        const inner = labels.slice(1, -1);
        const join = (extra: string) => `{${inner ? `${inner},` : ''}${extra}}`;
        LATENCY_BUCKETS_MS.forEach((bound, k) => {
          lines.push(`${name}_bucket${join(`le="${bound}"`)} ${s.buckets[k]}`);
        });
        lines.push(`${name}_bucket${join('le="+Inf"')} ${s.count}`);
        lines.push(`${name}_sum${labels} ${s.sum}`, `${name}_count${labels} ${s.count}`);
      }
    }
    for (const [name, { help, value }] of Object.entries(gauges))
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    return `${lines.join('\n')}\n`;
  }
}
