// The bench's view of how busy the machine is: other jobs skew timings.
import { loadavg } from 'node:os'

export const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 1.5)

/** The 1-minute load average, as printed with each figure. */
export const load = (): string => loadavg()[0].toFixed(2)

/** Wait (at most waitS seconds) until the 1-minute load average is below MAX_LOAD; returns the line to print. */
export async function quietMachine(waitS: number): Promise<string> {
  const deadline = Date.now() + waitS * 1000
  while (loadavg()[0] > MAX_LOAD && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5000))
  return `load average ${load()}${loadavg()[0] > MAX_LOAD ? ` (above ${MAX_LOAD}: figures may be skewed)` : ''}`
}
