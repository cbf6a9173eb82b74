// The one place that runs kernel programs. It groups ops per namespace:
// all `ip` lines of a namespace go to one `ip -force -batch -`, all `tc`
// lines to one `tc -force -batch -`, iptables rules to one
// `iptables-restore --noflush` per namespace, owner group and table, ethtool
// runs through one `xargs -L 1 ethtool`; argv ops run alone. Groups run in
// parallel under a bound; a container's `ip` batch and its offloads go to
// the runner together, as one job of the helper. Failures are attributed to
// single ops (batch line numbers; the line a batch stopped on; a failed
// iptables or ethtool group runs again op by op), so callers can undo per
// owner and name the failing op.
// Programs start through the context's Runner, by default the job helper
// (spawner.ts): forking node itself costs far more. Each run gets a timeout.
import { runEach, type Job, type RunOptions, type RunResult } from '../exec.js'
import { log } from '../log.js'
import type { NetContext } from './context.js'
import { parseBatchErrors, parseBatchOutcome } from './kernel-errors.js'
import { batchSafe, describeOp, isIptables, soloArgv, type Ns, type Op } from './ops.js'
import { jobRunner } from './spawner.js'

export { parseBatchErrors, parseBatchOutcome }

/** How long one kernel program (a whole batch included) may run unless the context says otherwise. */
export const JOB_TIMEOUT_MS = 60_000

export interface ExecResult {
  done: Op[]
  failed: Map<Op, string>
}

type Limit = <T>(fn: () => Promise<T>) => Promise<T>

/** At most `n` tasks at once; a finished task hands its slot to the next waiter. */
export function limiter(n: number): Limit {
  let active = 0
  const waiting: Array<() => void> = []
  return async (fn) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    else active++
    try {
      return await fn()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else active--
    }
  }
}

const limits = new WeakMap<NetContext, Limit>()
function ctxLimit(ctx: NetContext): Limit {
  let l = limits.get(ctx)
  if (!l) limits.set(ctx, (l = limiter(ctx.parallel ?? 8)))
  return l
}

/** The network namespace file of `ns`; undefined = the one conlink runs in. */
export function nsFile(ctx: NetContext, ns: Ns): string | undefined {
  if (ns === 'conlink' && ctx.conlinkPid === undefined) return undefined
  const pid = ns === 'conlink' ? ctx.conlinkPid : ns === 'host' ? (ctx.hostPid ?? 1) : ns
  return `/proc/${pid}/ns/net`
}

/** The argv that runs `argv` inside namespace `ns` with nsenter (for programs that stream, such as tcpdump). */
export function inNs(ctx: NetContext, ns: Ns, argv: string[]): string[] {
  const file = nsFile(ctx, ns)
  return file ? ['nsenter', `--net=${file}`, ...argv] : argv
}

/** Run a program in namespace `ns` through the context's runner; a result, never a throw. */
export function runInNs(ctx: NetContext, ns: Ns, argv: readonly string[], input?: string): Promise<RunResult> {
  return (ctx.runner ?? jobRunner).run(argv, { ...nsRunOptions(ctx, ns), input })
}

/** Independent jobs in namespace `ns` given to the runner together; a result each, never a throw. */
function runTogetherInNs(ctx: NetContext, ns: Ns, jobs: readonly Job[]): Promise<RunResult[]> {
  const runner = ctx.runner ?? jobRunner
  return runner.runTogether ? runner.runTogether(jobs, nsRunOptions(ctx, ns)) : runEach(runner, jobs, nsRunOptions(ctx, ns))
}

const nsRunOptions = (ctx: NetContext, ns: Ns): RunOptions => ({ netns: nsFile(ctx, ns), timeoutMs: ctx.jobTimeoutMs ?? JOB_TIMEOUT_MS, allowFailure: true })

/** Run a read-only program in a namespace (through the same bound). */
export async function runIn(ctx: NetContext, ns: Ns, argv: string[]): Promise<RunResult> {
  return ctxLimit(ctx)(() => runInNs(ctx, ns, argv))
}

/**
 * The index of the line a batch stopped on: from `from` on, the first op
 * holding the most of the words the message quotes (`Error: argument "eth%d"
 * is wrong: "dev" not a valid ifname`); -1 when no op holds any.
 */
export function stoppedAt(ops: Op[], from: number, message: string): number {
  const quoted = new Set([...message.matchAll(/"([^"]+)"/g)].map((m) => m[1]))
  let best = -1
  let bestScore = 0
  for (let i = from; i < ops.length; i++) {
    const score = ops[i].args.filter((w) => quoted.has(w)).length
    if (score > bestScore) [best, bestScore] = [i, score]
  }
  return best
}

/** A failed run's message: what the program said, else why it did not finish. */
export function failureText(r: RunResult): string {
  return [r.stderr || r.stdout, r.problem].filter(Boolean).join('; ').trim() || `exit code ${r.exitCode}`
}

/** Ops that run as one program: an op alone (`solo`), or a batch of one namespace and kind. */
interface Unit {
  ops: Op[]
  solo: boolean
}

export async function execute(ctx: NetContext, ops: Op[]): Promise<ExecResult> {
  const result: ExecResult = { done: [], failed: new Map() }
  if (ops.length === 0) return result
  const limit = ctxLimit(ctx)
  const units: Unit[] = []
  const batches = new Map<string, Unit>()
  const ethtools = new Map<Ns, number>()
  for (const op of ops) if (op.kind === 'ethtool') ethtools.set(op.ns, (ethtools.get(op.ns) ?? 0) + 1)
  for (const op of ops) {
    // a single ethtool runs alone: its failure then names exactly that op
    if (op.kind === 'argv' || !batchSafe(op) || (op.kind === 'ethtool' && ethtools.get(op.ns) === 1)) {
      units.push({ ops: [op], solo: true })
      continue
    }
    // iptables-restore is all-or-nothing per table, so never mix owners' rules or tables in one run
    const key = `${op.ns}|${op.kind}|${isIptables(op) ? `${op.owner.split(':')[0]}|${op.table ?? 'filter'}` : ''}`
    const batch = batches.get(key)
    if (batch) batch.ops.push(op)
    else {
      batches.set(key, { ops: [op], solo: false })
      units.push(batches.get(key)!)
    }
  }
  await Promise.all(groupByNamespace(units).map((group) => limit(() => (group.length > 1 ? runTogether(ctx, group, result) : runUnit(ctx, group[0], result)))))
  return result
}

/**
 * A container's `ip` batch and its offloads go to the runner together (the
 * job helper does them in one entry into the namespace, one round trip),
 * offloads first: set on a device that is not up yet, they cost the kernel
 * less. Every other unit stays alone.
 */
function groupByNamespace(units: Unit[]): Unit[][] {
  const groups: Unit[][] = []
  const byNs = new Map<Ns, Unit[]>()
  for (const unit of units) {
    const { ns, kind } = unit.ops[0]
    const together = typeof ns === 'number' && ((kind === 'ip' && !unit.solo) || kind === 'ethtool')
    const group = together ? byNs.get(ns) : undefined
    if (group && kind === 'ethtool') group.unshift(unit)
    else if (group) group.push(unit)
    else {
      groups.push([unit])
      if (together) byNs.set(ns, groups.at(-1)!)
    }
  }
  return groups
}

function runUnit(ctx: NetContext, unit: Unit, result: ExecResult): Promise<void> {
  return unit.solo ? runSolo(ctx, unit.ops[0], result) : runBatch(ctx, unit.ops, result)
}

async function runTogether(ctx: NetContext, units: Unit[], result: ExecResult): Promise<void> {
  const ns = units[0].ops[0].ns
  const t0 = performance.now()
  const results = await runTogetherInNs(ctx, ns, units.map((u): Job => (u.solo ? { argv: soloArgv(u.ops[0]) } : batchJob(u.ops))))
  const what = units.map((u, i) => `${u.ops[0].kind}${u.solo ? '' : ` batch of ${u.ops.length} lines`} exit ${results[i].exitCode}`)
  log.detail(`together in ${ns} ns: ${what.join(', ')}, in ${(performance.now() - t0).toFixed(1)} ms`)
  await Promise.all(units.map((u, i) => (u.solo ? settleSolo(u.ops[0], results[i], result) : settleBatch(ctx, u.ops, results[i], result))))
}

async function runSolo(ctx: NetContext, op: Op, result: ExecResult): Promise<void> {
  const t0 = performance.now()
  const r = await runInNs(ctx, op.ns, soloArgv(op))
  log.detail(`${describeOp(op)}: exit ${r.exitCode} in ${(performance.now() - t0).toFixed(1)} ms`)
  settleSolo(op, r, result)
}

function settleSolo(op: Op, r: RunResult, result: ExecResult): void {
  if (r.exitCode === 0) result.done.push(op)
  else result.failed.set(op, failureText(r))
}

/** iptables-restore input for one batch: its rules share one table (part of the batch key). */
function iptablesInput(ops: Op[], lines: string): string {
  return `*${ops[0].table ?? 'filter'}\n${lines}COMMIT\n`
}

/** The program that runs a batch of ops of one namespace and kind, and its input. */
function batchJob(ops: Op[]): { argv: string[]; input: string } {
  const kind = ops[0].kind
  const lines = ops.map((op) => op.args.join(' ')).join('\n') + '\n'
  if (isIptables(ops[0])) return { argv: [`${kind}-restore`, '-w', '--noflush'], input: iptablesInput(ops, lines) }
  if (kind === 'ethtool') return { argv: ['xargs', '-L', '1', 'ethtool'], input: lines }
  return { argv: [kind, '-force', '-batch', '-'], input: lines }
}

async function runBatch(ctx: NetContext, ops: Op[], result: ExecResult): Promise<void> {
  const { kind, ns } = ops[0]
  const t0 = performance.now()
  const job = batchJob(ops)
  const r = await runInNs(ctx, ns, job.argv, job.input)
  log.detail(`${kind} batch in ${ns} ns: ${ops.length} lines, exit ${r.exitCode} in ${(performance.now() - t0).toFixed(1)} ms`)
  await settleBatch(ctx, ops, r, result)
}

async function settleBatch(ctx: NetContext, ops: Op[], r: RunResult, result: ExecResult): Promise<void> {
  const kind = ops[0].kind
  if (r.exitCode === 0) {
    result.done.push(...ops)
    return
  }
  // a timeout or a lost helper leaves the lines' outcome unknown: the whole batch failed, and nothing runs again
  if (r.problem) {
    const msg = failureText(r)
    for (const op of ops) result.failed.set(op, msg)
    return
  }
  if (kind === 'ip' || kind === 'tc') return sortBatchFailures(ctx, ops, r.stderr || r.stdout || `exit code ${r.exitCode}`, result)
  // ethtool settings are absolute and a failed iptables-restore of one table
  // applied nothing, so running each op again alone is safe and names the failing one
  for (const op of ops) await runSolo(ctx, op, result)
}

/** Attribute a failed ip/tc batch to its lines; after a line that stopped the batch, run the rest again. */
async function sortBatchFailures(ctx: NetContext, ops: Op[], stderr: string, result: ExecResult): Promise<void> {
  const { failures, stopped } = parseBatchOutcome(stderr)
  const ran = stopped === undefined ? ops.length : Math.max(0, ...failures.keys())
  ops.slice(0, ran).forEach((op, i) => {
    const msg = failures.get(i + 1)
    if (msg === undefined) result.done.push(op)
    else result.failed.set(op, msg)
  })
  if (stopped === undefined) return
  const at = stoppedAt(ops, ran, stopped)
  if (at < 0) {
    // not attributable (namespace gone, an unquoted parse error): none of the rest is known to have run
    for (const op of ops.slice(ran)) result.failed.set(op, stopped)
    return
  }
  result.done.push(...ops.slice(ran, at))
  result.failed.set(ops[at], stopped)
  const rest = ops.slice(at + 1)
  if (rest.length) await runBatch(ctx, rest, result)
}

/** Reverse the done ops (in reverse order) of the given owners; returns the error messages of undo ops that failed. */
export async function undo(ctx: NetContext, done: Op[], owners?: Set<string>): Promise<string[]> {
  const ops = done
    .filter((op) => !owners || owners.has(op.owner))
    .reverse()
    .flatMap((op) => op.undo ?? [])
  if (ops.length === 0) return []
  const r = await execute(ctx, ops)
  return [...r.failed].map(([op, msg]) => `${describeOp(op)}: ${msg}`)
}
