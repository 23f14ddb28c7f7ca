/**
 * The benchmark harness: each benchmark measures a value and a baseline in the same run, so the
 * ratio means something on any machine. `npm run bench` prints a table; `npm run bench -- --json`
 * prints one JSON object per line: `{"name", "value", "unit", "baseline", "ratio"}`.
 * @module
 */

export type BenchResult = {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  /** value / baseline: how many baselines the measured thing costs. */
  ratio: number;
};

export type Benchmark = {
  name: string;
  unit: string;
  /** What the baseline is, for the table. */
  baselineLabel: string;
  run(): Promise<{ value: number; baseline: number }>;
};

/** Median of `samples` timings of `fn`, in milliseconds, after `warmup` untimed runs. */
export async function medianMs(
  fn: () => Promise<unknown>,
  samples = 50,
  warmup = 5,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

export async function runBenchmarks(
  benchmarks: readonly Benchmark[],
  json: boolean,
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const bench of benchmarks) {
    const { value, baseline } = await bench.run();
    const result = { name: bench.name, value, unit: bench.unit, baseline, ratio: value / baseline };
    results.push(result);
    if (json) console.log(JSON.stringify(result));
    else
      console.log(
        `${bench.name.padEnd(34)} ${value.toFixed(3).padStart(9)} ${bench.unit}  ` +
          `baseline (${bench.baselineLabel}) ${baseline.toFixed(3)} ${bench.unit}  ratio ${result.ratio.toFixed(2)}`,
      );
  }
  return results;
}
