// wait: check conditions in the order given, each retried until it holds,
// then run the command given after `--`.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
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

function number(opt: string, value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw usageError(`bad number for ${opt}: ${value}`, WAIT_USAGE)
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

function commandSucceeds(cmd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { stdio: 'ignore' })
    child.on('error', () => resolve(false))
    child.on('exit', (code) => resolve(code === 0))
  })
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

export async function check(c: Condition): Promise<boolean> {
  switch (c.kind) {
    case 'file': return existsSync(c.file)
    case 'intf': return existsSync(`/sys/class/net/${c.intf}`)
    case 'ip': return hasRoute(c.intf)
    case 'tcp': return tcpOpen(c.host, c.port)
    case 'cmd': return commandSucceeds(c.cmd)
  }
}

/** Run the steps in order; throws a ToolError (exit 1) naming the condition on timeout. */
export async function waitFor(args: WaitArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let interval = env.WAIT_SLEEP && /^\d+(\.\d+)?$/.test(env.WAIT_SLEEP) ? Number(env.WAIT_SLEEP) : 1
  const start = Date.now()
  for (const step of args.steps) {
    if (step.kind === 'sleep') interval = step.secs
    else if (step.kind === 'umask') process.umask(step.mask)
    else {
      while (!(await check(step))) {
        if (args.timeout !== undefined && Date.now() - start >= Number(args.timeout) * 1000) {
          throw new ToolError(`timeout after ${args.timeout}s: ${describe(step)} not ready`, 1)
        }
        await sleep(interval * 1000)
      }
      process.stdout.write(`wait: ${describe(step)}: ready\n`)
    }
  }
}

/** The `wait` tool: parse argv, wait, then run the command. Returns the exit code. */
export function waitMain(argv: readonly string[]): Promise<number> {
  return runTool('wait', async () => {
    const args = parseWaitArgs(argv)
    await waitFor(args)
    return args.command.length ? execCommand('wait', args.command) : 0
  })
}
