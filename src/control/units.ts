// Parsing the values a person types for runtime control: durations (`250ms`,
// `1.5s`), rates (`1mbit`, `500kbit`, `10mbps`) and percentages (`5%`).
// Pure; every failure is a ConlinkError naming the option and an example.
import { ConlinkError } from '../errors.js'

/** Exit code for a bad command line (unknown link, bad value): like a usage error. */
export const USAGE_EXIT = 2

function bad(option: string, value: string, example: string): ConlinkError {
  return new ConlinkError(`${option}: '${value}' is not valid`, { hint: `write it like ${example}`, exitCode: USAGE_EXIT })
}

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

/** Milliseconds (may be fractional, >= 0) from `250ms`, `1.5s`, `2m`, `100us`; a unit is required. */
export function parseDuration(value: string, option = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m)$/.exec(value.trim())
  if (!m) throw bad(option, value, '250ms, 1.5s or 2m')
  const ms = Number(m[1]) * DURATION_UNITS[m[2]]
  if (!Number.isFinite(ms) || ms > 3_600_000) throw bad(option, value, 'a duration of at most 1 hour')
  return ms
}

/** A duration as tc writes it: whole microseconds or milliseconds. */
export function formatDuration(ms: number): string {
  return Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1000)}us`
}

// tc(8): bit/kbit/mbit/gbit are bits per second, bps/kbps/mbps/gbps bytes per second (SI, 1000).
const RATE_UNITS: Record<string, number> = {
  bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9,
}

/** Bits per second from a tc rate (`1mbit`, `500kbit`, `2.5gbit`, `100kbps`); at least 8 bit/s. */
export function parseRate(value: string, option = '--rate'): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?(?:bit|bps))$/i.exec(value.trim())
  if (!m) throw bad(option, value, '1mbit, 500kbit or 10mbps (tc units)')
  const bits = Math.round(Number(m[1]) * RATE_UNITS[m[2].toLowerCase()])
  if (!(bits >= 8) || bits > 1e12) throw bad(option, value, 'a rate between 8bit and 1000gbit')
  return bits
}

/** A rate in bits per second as tc reads it. */
export function formatRate(bits: number): string {
  for (const [unit, size] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (bits % size === 0) return `${bits / size}${unit}`
  return `${bits}bit`
}

/** A percentage 0..100 from `5%` or `5` or `0.5%`. */
export function parsePercent(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim())
  const n = m ? Number(m[1]) : NaN
  if (!m || n > 100) throw bad(option, value, '5% or 0.5%')
  return n
}

/** A whole number >= min, e.g. --count and --index. */
export function parseCount(value: string | number, option: string, min = 1): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < min) throw bad(option, String(value), `a whole number from ${min}`)
  return n
}
