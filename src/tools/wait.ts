// wait: check conditions in the order given, each retried until it holds,
// then run the command given after `--`.
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { run } from '../exec.js'
import { ToolError, execCommand, runTool, usageError } from './common.js'

export const WAIT_USAGE =
  'wait [-f FILE] [-i IF] [-I IF] [-t HOST:PORT] [-c CMD] [-u MASK] [-s SECS] [--timeout SECS] [-- COMMAND ARGS...]'

export type Condition =
  | { kind: 'file'; file: string }
  | { kind: 'intf'; intf: string }
  | { kind: 'ip'; intf: string }
  | { kind: 'tcp'; host: string; port: number; target: string }
  | { kind: 'cmd'; cmd: string }

/** Conditions and settings, in command-line order. */
export type WaitStep = Condition | { kind: 'umask'; mask: number } | { kind: 'sleep'; secs: number }

export interface WaitArgs {
  steps: WaitStep[]
  /** Seconds, as given (messages repeat it verbatim). */
  timeout?: string
  command: string[]
}

const OPTIONS: Record<string, 'file' | 'intf' | 'ip' | 'tcp' | 'cmd' | 'umask' | 'sleep' | 'timeout'> = {
  '-f': 'file', '--file': 'file',
  '-i': 'intf', '--if': 'intf', '--intf': 'intf',
  '-I': 'ip', '--ip': 'ip',
  '-t': 'tcp', '--tcp': 'tcp',
  '-c': 'cmd', '--cmd': 'cmd', '--command': 'cmd',
  '-u': 'umask', '--umask': 'umask',
  '-s': 'sleep', '--sleep': 'sleep',
  '--timeout': 'timeout',
}

/** The longest -s/--timeout: Node timers overflow past 2^31 ms (they would fire every millisecond). */
export const MAX_SECS = 2_000_000

const isSecs = (value: string) => /^\d+(\.\d+)?$/.test(value) && Number(value) <= MAX_SECS

function number(opt: string, value: string): number {
  if (!isSecs(value)) throw usageError(`bad number for ${opt}: ${value.slice(0, 200)} (seconds, at most ${MAX_SECS})`, WAIT_USAGE)
  return Number(value)
}

export function parseHostPort(value: string): { host: string; port: number; target: string } {
  const i = value.lastIndexOf(':')
  const host = value.slice(0, Math.max(i, 0)).replace(/^\[(.*)\]$/, '$1')
  const port = value.slice(i + 1)
  if (i < 0 || !host || !/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw usageError(`bad HOST:PORT for -t: ${value} (port must be 1..65535)`, WAIT_USAGE)
  }
  return { host, port: Number(port), target: value }
}

export function parseWaitArgs(argv: readonly string[]): WaitArgs {
  const result: WaitArgs = { steps: [], command: [] }
  for (let i = 0; i < argv.length; i++) {
    const opt = argv[i]
    if (opt === '--') {
      result.command = argv.slice(i + 1)
      break
    }
    const kind = OPTIONS[opt]
    if (!kind) throw usageError(opt.startsWith('-') ? `unknown option: ${opt}` : `unexpected argument: ${opt}`, WAIT_USAGE)
    const value = argv[++i]
    if (value === undefined) throw usageError(`option ${opt} needs an argument`, WAIT_USAGE)
    switch (kind) {
      case 'file': result.steps.push({ kind, file: value }); break
      case 'intf': case 'ip': result.steps.push({ kind, intf: value }); break
      case 'tcp': result.steps.push({ kind, ...parseHostPort(value) }); break
      case 'cmd': result.steps.push({ kind, cmd: value }); break
      case 'sleep': result.steps.push({ kind, secs: number(opt, value) }); break
      case 'timeout': result.timeout = value; number(opt, value); break
      case 'umask':
        if (!/^[0-7]{1,4}$/.test(value)) throw usageError(`bad umask: ${value}`, WAIT_USAGE)
        result.steps.push({ kind, mask: parseInt(value, 8) })
    }
  }
  return result
}

/** How a condition is named in messages (the sh version uses the same words). */
export function describe(c: Condition): string {
  switch (c.kind) {
    case 'file': return `file ${c.file}`
    case 'intf': return `interface ${c.intf}`
    case 'ip': return `ip on ${c.intf}`
    case 'tcp': return `tcp ${c.target}`
    case 'cmd': return `command ${c.cmd}`
  }
}

function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port })
    const end = (ok: boolean) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(timeoutMs, () => end(false))
    sock.once('connect', () => end(true))
    sock.once('error', () => end(false))
  })
}

/** Children still running (a -c command), killed when wait stops. */
const running = new Set<AbortController>()

/** Even past the deadline (`--timeout 0`), a command gets this long to succeed once. */
const MIN_CHECK_MS = 1000

/** `sh -c CMD` exits 0; killed with whatever it started (its own process group, false) when the deadline passes first. */
async function commandSucceeds(cmd: string, deadline = Infinity): Promise<boolean> {
  const stop = new AbortController()
  running.add(stop)
  try {
    const timeoutMs = deadline === Infinity ? undefined : Math.max(MIN_CHECK_MS, deadline - Date.now())
    const r = await run(['sh', '-c', cmd], { stdio: 'ignore', detached: true, allowFailure: true, timeoutMs, signal: stop.signal, killSignal: 'SIGKILL' })
    return r.exitCode === 0
  } finally {
    running.delete(stop)
  }
}

function hasRoute(intf: string): boolean {
  try {
    return readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .some((line) => line.split(/\s+/)[0] === intf)
  } catch {
    return false
  }
}

export async function check(c: Condition, deadline = Infinity): Promise<boolean> {
  switch (c.kind) {
    case 'file': return existsSync(c.file)
    case 'intf': return existsSync(`/sys/class/net/${c.intf}`)
    case 'ip': return hasRoute(c.intf)
    case 'tcp': return tcpOpen(c.host, c.port)
    case 'cmd': return commandSucceeds(c.cmd, deadline)
  }
}

/** Run the steps in order; throws a ToolError (exit 1) naming the condition on timeout. */
export async function waitFor(args: WaitArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let interval = env.WAIT_SLEEP && isSecs(env.WAIT_SLEEP) ? Number(env.WAIT_SLEEP) : 1
  const deadline = args.timeout === undefined ? Infinity : Date.now() + Number(args.timeout) * 1000
  for (const step of args.steps) {
    if (step.kind === 'sleep') interval = step.secs
    else if (step.kind === 'umask') process.umask(step.mask)
    else {
      while (!(await check(step, deadline))) {
        if (Date.now() >= deadline) throw new ToolError(`timeout after ${args.timeout}s: ${describe(step)} not ready`, 1)
        await sleep(Math.min(interval * 1000, deadline - Date.now()))
      }
      process.stdout.write(`wait: ${describe(step)}: ready\n`)
    }
  }
}

/** The `wait` tool: parse argv, wait, then run the command. Returns the exit code. */
export function waitMain(argv: readonly string[]): Promise<number> {
  return runTool('wait', async () => {
    const args = parseWaitArgs(argv)
    // As PID 1 a signal without a handler is ignored: end at once, with the command being waited on.
    const stop = (sig: NodeJS.Signals) => {
      for (const child of running) child.abort()
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15))
    }
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
    for (const sig of signals) process.on(sig, stop)
    try {
      await waitFor(args)
    } finally {
      for (const sig of signals) process.off(sig, stop)
    }
    return args.command.length ? execCommand('wait', args.command) : 0
  })
}
