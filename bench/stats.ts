// Figures of the benchmark: summary statistics and the one-line report format
// `NAME median=X min=X max=X [p95=X] [n=N] target<=T OK|MISSED`.

export interface Summary {
  median: number
  min: number
  max: number
  p95: number
  n: number
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, p95: NaN, n: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], p95: percentile(sorted, 95), n: sorted.length }
}

/** An upper bound on a statistic (`median` or `p95`). */
export interface Target {
  stat: 'median' | 'p95'
  max: number
}

export interface Figure {
  name: string
  values: number[]
  targets: Target[]
  /** Print the 95th percentile and the sample count too (many samples per figure). */
  withP95?: boolean
  note?: string
}

const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(x < 1 ? 3 : 2)) : 'n/a')

/** True when every target holds (no samples = missed). */
export function meetsTargets(f: Figure): boolean {
  const s = summarize(f.values)
  return f.targets.every((t) => s[t.stat] <= t.max)
}

/** The report line; `enforced` false marks targets as informational (small variant). */
export function figureLine(f: Figure, enforced: boolean): string {
  const s = summarize(f.values)
  const parts = [f.name, `median=${fmt(s.median)}`, `min=${fmt(s.min)}`, `max=${fmt(s.max)}`]
  if (f.withP95) parts.push(`p95=${fmt(s.p95)}`, `n=${s.n}`)
  if (f.targets.length) {
    const target = f.targets.map((t) => `${t.stat === 'median' ? '' : 'p95'}<=${t.max}`).join(',')
    parts.push(`target${target}`, meetsTargets(f) ? 'OK' : enforced ? 'MISSED' : 'over(not enforced)')
  }
  if (f.note) parts.push(`(${f.note})`)
  return parts.join(' ')
}
