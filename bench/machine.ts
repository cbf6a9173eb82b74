// The bench's view of how busy the machine is: other jobs skew timings.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { execa } from 'execa'

export const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 1.5)

/** The 1-minute load average, as printed with each figure. */
export const load = (): string => loadavg()[0].toFixed(2)

/** Wait (at most waitS seconds) until the 1-minute load average is below MAX_LOAD; returns the line to print. */
export async function quietMachine(waitS: number): Promise<string> {
  const deadline = Date.now() + waitS * 1000
  while (loadavg()[0] > MAX_LOAD && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5000))
  return `load average ${load()}${loadavg()[0] > MAX_LOAD ? ` (above ${MAX_LOAD}: figures may be skewed)` : ''}`
}

/** The machine's CPU time so far (/proc/stat, all cores): all of it, and what the hypervisor took (steal). */
export interface CpuSample {
  total: number
  steal: number
}

export function cpuSample(): CpuSample {
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number)
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 }
}

/** The share of CPU time the hypervisor took since `from`, e.g. `steal 12%`: a VM's neighbours slow every figure. */
export function stealSince(from: CpuSample): string {
  const now = cpuSample()
  const total = now.total - from.total
  return `steal ${total > 0 ? Math.round((100 * (now.steal - from.steal)) / total) : 0}%`
}

/**
 * How quick this machine is now, for comparing figures across days and hours
 * (a VM's neighbours change it): node's own start (`node -e 0`, the median of
 * 5, without NODE_EXTRA_CA_CERTS as the network container runs node) and the
 * kernel's cost of wiring (kernel-floor.pl with 200 links).
 */
export async function machineSpeed(): Promise<string> {
  const floor = await execa('perl', [KERNEL_FLOOR, '200'], { reject: false })
  const figures = floor.exitCode === 0 ? floor.stdout.split('\n').filter((line) => line.includes('_ms_')).join(', ') : `not run (${floor.stderr.split('\n')[0]})`
  return `machine: node -e 0 ${(await nodeStartMs()).toFixed(0)} ms, kernel-floor 200: ${figures}`
}

const KERNEL_FLOOR = fileURLToPath(new URL('kernel-floor.pl', import.meta.url))

async function nodeStartMs(): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    await execa(process.execPath, ['-e', '0'], { env: withoutExtraCaCerts(), extendEnv: false })
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[2]
}

/**
 * This environment without NODE_EXTRA_CA_CERTS: when it is set, node reads and
 * parses that certificate bundle at every start (about 0.1 s a process on the
 * test VM), which is the machine's setting and not conlink's work.
 */
export function withoutExtraCaCerts(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env
  return env
}
