// Live impairments as plans (data): netem on a device's root qdisc, or tbf
// when only a rate is asked for and the kernel has no netem. `to` is the
// outer end in the network container (traffic toward the container), `from`
// the container-side end (traffic leaving it). The config's `netem` is the
// baseline of the container side: clearing returns to it.
import { ConlinkError } from '../errors.js'
import { tc, words, type Ns, type Op } from '../net/ops.js'
import { formatDuration, formatRate, USAGE_EXIT } from './units.js'

export interface Impairment {
  /** Milliseconds. */
  delay?: number
  jitter?: number
  /** Percent 0..100. */
  loss?: number
  corrupt?: number
  duplicate?: number
  reorder?: number
  /** Bits per second. */
  rate?: number
}

export const DIRECTIONS = ['to', 'from', 'both'] as const
export type Direction = (typeof DIRECTIONS)[number]

/** A link's runtime impairment per side (absent side = its baseline). */
export interface LinkImpairment {
  to?: Impairment
  from?: Impairment
}

/** One device an impairment goes on. */
export interface ImpairSide {
  ns: Ns
  dev: string
  /** `container:dev`, the owner of the ops. */
  owner: string
  /** For tbf's burst: a burst smaller than one packet would drop every packet. */
  mtu: number
}

const NETEM_ONLY = ['delay', 'jitter', 'loss', 'corrupt', 'duplicate', 'reorder'] as const

/** Throws (exit 2) for an empty or inconsistent impairment. */
export function validateImpairment(imp: Impairment): void {
  const usage = (msg: string, hint: string) => new ConlinkError(msg, { hint, exitCode: USAGE_EXIT })
  if (![...NETEM_ONLY, 'rate'].some((k) => imp[k as keyof Impairment] !== undefined))
    throw usage('no impairment given', 'give at least one of --delay, --jitter, --loss, --rate, --corrupt, --duplicate, --reorder')
  if (imp.jitter !== undefined && imp.delay === undefined) throw usage('--jitter needs --delay', 'e.g. --delay 100ms --jitter 10ms')
  if (imp.reorder !== undefined && imp.delay === undefined) throw usage('--reorder needs --delay (netem reorders by sending some packets without the delay)', 'e.g. --delay 10ms --reorder 25%')
}

/** True when the impairment needs the netem qdisc (anything but a rate alone). */
export function needsNetem(imp: Impairment): boolean {
  return NETEM_ONLY.some((k) => imp[k] !== undefined)
}

/** The error for an impairment this kernel cannot do. */
export function netemMissing(imp: Impairment, what: string): ConlinkError {
  const options = NETEM_ONLY.filter((k) => imp[k] !== undefined).map((k) => `--${k}`)
  return new ConlinkError(`${options.join(', ')} on ${what} needs the kernel's netem qdisc (module sch_netem), which this kernel lacks`, {
    hint: 'load it on the host with modprobe sch_netem; --rate alone works without it, through tbf',
  })
}

/** `tc qdisc ... netem` words, in tc's order. */
export function netemWords(imp: Impairment): string[] {
  const w: string[] = []
  if (imp.delay !== undefined) w.push('delay', formatDuration(imp.delay), ...(imp.jitter !== undefined ? [formatDuration(imp.jitter)] : []))
  if (imp.loss !== undefined) w.push('loss', `${imp.loss}%`)
  if (imp.corrupt !== undefined) w.push('corrupt', `${imp.corrupt}%`)
  if (imp.duplicate !== undefined) w.push('duplicate', `${imp.duplicate}%`)
  if (imp.reorder !== undefined) w.push('reorder', `${imp.reorder}%`)
  if (imp.rate !== undefined) w.push('rate', formatRate(imp.rate))
  return w
}

/** tbf for a rate alone: the bucket holds at least one packet of the device's MTU, or 20 ms of traffic. */
export function tbfWords(rate: number, mtu: number): string[] {
  const burst = Math.max(Math.ceil(rate / 8 / 50), mtu + 64, 1600)
  return ['rate', formatRate(rate), 'burst', String(burst), 'latency', '200ms']
}

/** The qdisc an impairment becomes on this kernel: netem when it can, tbf for a rate alone without netem. */
export function qdiscWords(imp: Impairment, side: ImpairSide, hasNetem: boolean): string[] {
  if (needsNetem(imp) || (hasNetem && imp.rate !== undefined)) return ['netem', ...netemWords(imp)]
  return ['tbf', ...tbfWords(imp.rate!, side.mtu)]
}

/** Ops that put `imp` on the side's root qdisc. */
export function planImpairSet(side: ImpairSide, imp: Impairment, hasNetem: boolean): Op[] {
  return [tc(side.ns, side.owner, ['qdisc', 'replace', 'dev', side.dev, 'root', ...qdiscWords(imp, side, hasNetem)])]
}

/** Ops that return the side to its baseline: the config's netem, or no root qdisc at all. */
export function planImpairClear(side: ImpairSide, baselineNetem: string[] = []): Op[] {
  const netem = baselineNetem.flatMap(words)
  if (netem.length) return [tc(side.ns, side.owner, ['qdisc', 'replace', 'dev', side.dev, 'root', 'netem', ...netem])]
  return [tc(side.ns, side.owner, ['qdisc', 'del', 'dev', side.dev, 'root'])]
}

/** Deleting a root qdisc that is not there is fine: the side already is at its baseline. */
export function noQdiscToDelete(msg: string): boolean {
  return /Cannot delete qdisc with handle of zero|No such file or directory|Cannot find specified qdisc/i.test(msg)
}

/** `delay 100ms jitter 10ms loss 5% rate 1mbit` */
export function describeImpairment(imp: Impairment): string {
  const parts: string[] = []
  if (imp.delay !== undefined) parts.push(`delay ${formatDuration(imp.delay)}`)
  if (imp.jitter !== undefined) parts.push(`jitter ${formatDuration(imp.jitter)}`)
  for (const k of ['loss', 'corrupt', 'duplicate', 'reorder'] as const) if (imp[k] !== undefined) parts.push(`${k} ${imp[k]}%`)
  if (imp.rate !== undefined) parts.push(`rate ${formatRate(imp.rate)}`)
  return parts.join(' ')
}

/** Which sides a direction names. */
export function sidesOf(direction: Direction): Array<'to' | 'from'> {
  return direction === 'both' ? ['to', 'from'] : [direction]
}

/** The JSON form of an impairment (stable, documented): strings as the CLI takes them. */
export function impairmentJson(imp: Impairment): Record<string, string> {
  const out: Record<string, string> = {}
  if (imp.delay !== undefined) out.delay = formatDuration(imp.delay)
  if (imp.jitter !== undefined) out.jitter = formatDuration(imp.jitter)
  for (const k of ['loss', 'corrupt', 'duplicate', 'reorder'] as const) if (imp[k] !== undefined) out[k] = `${imp[k]}%`
  if (imp.rate !== undefined) out.rate = formatRate(imp.rate)
  return out
}
