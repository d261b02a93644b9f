/** Percentiles over one run's samples, printed the same way by every benchmark. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summary(label: string, samplesMs: readonly number[]): string {
  const f = (value: number) => value.toFixed(2);
  return `${label}: n=${samplesMs.length} p50=${f(percentile(samplesMs, 50))}ms p90=${f(percentile(samplesMs, 90))}ms p99=${f(percentile(samplesMs, 99))}ms max=${f(Math.max(...samplesMs))}ms`;
}
