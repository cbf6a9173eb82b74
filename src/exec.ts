// The one way conlink runs a program: a Runner, given an argument vector,
// never a shell. `processRunner` starts each program from node (execa);
// the job helper (net/spawner.ts) is a Runner too, for the many short
// kernel programs. Code that runs programs takes a Runner (the network
// context carries one), so tests can substitute it. Programs that stream or
// outlive the call (tcpdump, a Podman service) start with startProgram.
import type { ResultPromise } from 'execa'
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import type { Readable } from 'node:stream'
import { ConlinkError } from './errors.js'

export interface RunResult {
  stdout: string
  stderr: string
  /** 128+N when killed by signal N; 124 after a timeout; 127 not found. */
  exitCode: number
  /** Why the program did not start or finish normally (not found, timed out, helper died). */
  problem?: string
}

export interface RunOptions {
  input?: string
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean
  /** Kill the program (its process group when detached) after this long. */
  timeoutMs?: number
  /** Run inside this network namespace (a file such as /proc/PID/ns/net). */
  netns?: string
  /** 'pipe' (default) captures stdout/stderr; 'inherit' shares ours; 'ignore' drops them. */
  stdio?: 'pipe' | 'inherit' | 'ignore'
  /** Its own process group: a terminal's Ctrl-C does not reach it, and a kill reaches its children. */
  detached?: boolean
  /** Aborting kills the program (its group when detached). */
  signal?: AbortSignal
  /** The signal an abort sends (default SIGTERM). */
  killSignal?: NodeJS.Signals
  /** While it runs, these signals received by conlink are passed on to it (as if it were exec'd). */
  forwardSignals?: readonly NodeJS.Signals[]
}

/** One program run of several given to a runner together. */
export interface Job {
  argv: readonly string[]
  input?: string
}

export interface Runner {
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>
  /**
   * Several independent jobs in the same namespace, a result each (by
   * default `run` for each, in parallel); the job helper does a container's
   * kernel jobs in one entry into its namespace.
   */
  runTogether?(jobs: readonly Job[], opts?: RunOptions): Promise<RunResult[]>
}

/** `jobs` through `runner.run`, in parallel (what runTogether does when the jobs cannot go as one). */
export function runEach(runner: Runner, jobs: readonly Job[], opts: RunOptions = {}): Promise<RunResult[]> {
  return Promise.all(jobs.map((job) => runner.run(job.argv, { ...opts, input: job.input })))
}

/** The argv that runs `argv` in namespace file `netns` with nsenter (for runners that cannot enter it themselves). */
export function nsenterArgv(netns: string | undefined, argv: readonly string[]): string[] {
  return netns ? ['nsenter', `--net=${netns}`, ...argv] : [...argv]
}

/** Throw a ConlinkError for a failed run unless allowFailure. */
export function checked(argv: readonly string[], r: RunResult, opts: RunOptions): RunResult {
  if (r.exitCode === 0 || opts.allowFailure) return r
  const detail = r.stderr.trim() || r.stdout.trim() || r.problem || `exit code ${r.exitCode}`
  throw new ConlinkError(`${argv.join(' ')}: ${detail}`, { place: { file: argv[0] } })
}

function killer(child: ResultPromise, detached: boolean): (sig: NodeJS.Signals) => void {
  return (sig) => {
    try {
      if (detached && child.pid) process.kill(-child.pid, sig)
      else child.kill(sig)
    } catch {
      // already gone
    }
  }
}

/** A shell's exit code for a program killed by `signal`: 128 + its number. */
const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0)

async function runProcess(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = nsenterArgv(opts.netns, argv)
  const stdio = opts.stdio ?? 'pipe'
  const detached = opts.detached ?? false
  // loaded on first use: importing execa costs start-up time that most commands never need
  const { execa } = await import('execa')
  const child = execa(file, args, {
    // a detached program is in the background for the terminal: it gets no stdin
    ...(opts.input !== undefined ? { input: opts.input } : stdio === 'pipe' ? {} : { stdin: stdio === 'inherit' && !detached ? 'inherit' : 'ignore' }),
    stdout: stdio,
    stderr: stdio,
    reject: false,
    shell: false,
    stripFinalNewline: true,
    detached,
  })
  const kill = killer(child, detached)
  let timedOut = false
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          kill('SIGKILL')
        }, opts.timeoutMs)
  const onAbort = () => kill(opts.killSignal ?? 'SIGTERM')
  opts.signal?.addEventListener('abort', onAbort)
  if (opts.signal?.aborted) onAbort()
  for (const sig of opts.forwardSignals ?? []) process.on(sig, kill)
  try {
    const result = await child
    const code = (result as { code?: string }).code
    const notRun = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : undefined
    const signalled = result.signal ? signalExitCode(result.signal) : undefined
    const exitCode = timedOut ? 124 : notRun ? (code === 'ENOENT' ? 127 : 126) : (result.exitCode ?? signalled ?? (result.failed ? 1 : 0))
    const problem = timedOut ? `timed out after ${opts.timeoutMs} ms` : notRun ? `cannot run ${file}: ${notRun}` : result.failed && exitCode !== 0 && result.exitCode === undefined ? result.shortMessage : undefined
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode, ...(problem ? { problem } : {}) }
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
    for (const sig of opts.forwardSignals ?? []) process.off(sig, kill)
  }
}

/** Starts each program from node. */
export const processRunner: Runner = {
  async run(argv, opts = {}) {
    return checked(argv, await runProcess(argv, opts), opts)
  },
}

/** processRunner.run: throws a ConlinkError on a non-zero exit unless allowFailure. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return processRunner.run(argv, opts)
}

export interface StartOptions {
  /** 'pipe' gives a stream; a number is a file descriptor handed to the program (it outlives us). */
  stdout?: 'pipe' | 'ignore' | number
  stderr?: 'pipe' | 'ignore' | number
  /** Its own process group, and not waited for: it may outlive conlink. */
  detached?: boolean
}

export interface StartedProgram {
  pid: number | undefined
  stdout: Readable | null
  stderr: Readable | null
  /** Resolves when it ends: exit code, 128+N after signal N, 127 when it could not start. */
  exited: Promise<number>
  kill(signal?: NodeJS.Signals): void
}

/**
 * Start a long-running program (a capture, a service) and return at once: the
 * counterpart of Runner.run for programs whose output is streamed or that
 * outlive the call. An argument vector, never a shell.
 */
export function startProgram(argv: readonly string[], opts: StartOptions = {}): StartedProgram {
  const [file, ...args] = argv
  const child = spawn(file, args, { stdio: ['ignore', opts.stdout ?? 'pipe', opts.stderr ?? 'pipe'], detached: opts.detached ?? false, shell: false })
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127))
    child.on('exit', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 128)))
  })
  if (opts.detached) child.unref()
  return {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
  }
}
