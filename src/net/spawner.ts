// Starting a program from node forks the whole node process: 5-30 ms per
// process on these machines, growing with node's memory, and it blocks the
// event loop. The link engine starts hundreds of short `ip`/`ethtool` runs,
// so it hands them to one small long-lived helper (job-helper.pl, perl-base,
// which every Debian system has) that forks in well under a millisecond and
// enters network namespaces itself (setns), so no nsenter process is needed.
// Argument vectors only, never a shell. Input goes along with the job; a
// program's output comes back through files in a private directory, that of
// a job the helper does itself along with its status. Jobs given together
// (a container's `ip` batch and offload) are one line: the helper does them
// in one entry into the namespace when it does every one of them itself.
//
// A job is run at most once. Without perl (or once the helper is gone), jobs
// not yet handed over run with node's own spawn; a job the helper had when it
// died is reported failed with an unknown outcome, never run again: running
// an `iptables-restore` batch twice would add its rules twice.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checked, nsenterArgv, processRunner, runEach, type Job, type RunOptions, type RunResult, type Runner } from '../exec.js'

/** src/net/job-helper.pl of this installation, from src/ (tsx), dist/ or a bundle. */
export function helperPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (dir !== '/') {
    const candidate = join(dir, 'src', 'net', 'job-helper.pl')
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  return undefined
}

const hex = (s: string) => Buffer.from(s).toString('hex')

/** What a program (or the helper doing its work) ended with, and what it printed. */
type Ended = { raw: number; stdout: string; stderr: string }

/** What the helper said about one job (`group`: about each of a group's jobs; `not-here`: a group it would have to fork for, none run). */
type Status =
  | { kind: 'exit'; raw: number; output?: { stdout: string; stderr: string } }
  | { kind: 'group'; ended: Ended[] }
  | { kind: 'not-here' }
  | { kind: 'timeout' }
  | { kind: 'no-fork' }
  | { kind: 'no-setns' }
  | { kind: 'lost'; why: string }

/** The exit code of a wait status: 128+N when killed by signal N. */
const exitCodeOf = (raw: number): number => (raw & 127 ? 128 + (raw & 127) : raw >> 8)

const unhex = (field: string): string => Buffer.from(field, 'hex').toString()

/** A program's output without its last newline, as a RunResult holds it. */
const chomp = (text: string): string => text.replace(/\n$/, '')

/** A status line: `id wait-status [stdout stderr]...` (hex output), `id T`, `id -1`, `id -2` or `id N`. */
function parseStatus(fields: string[]): Status {
  const [raw, ...outputs] = fields
  if (raw === 'T') return { kind: 'timeout' }
  if (raw === '-1') return { kind: 'no-fork' }
  if (raw === '-2') return { kind: 'no-setns' }
  if (raw === 'N') return { kind: 'not-here' }
  if (outputs.length <= 2) return { kind: 'exit', raw: Number(raw), output: outputs.length ? { stdout: unhex(outputs[0]), stderr: unhex(outputs[1]) } : undefined }
  const ended: Ended[] = []
  for (let i = 0; i < fields.length; i += 3) ended.push({ raw: Number(fields[i]), stdout: unhex(fields[i + 1]), stderr: unhex(fields[i + 2]) })
  return { kind: 'group', ended }
}

class NotHandedOver extends Error {}

function lostResult(argv: readonly string[], why: string, stdout = '', stderr = ''): RunResult {
  return { stdout, stderr, exitCode: 125, problem: `outcome unknown: the job helper died while running ${argv[0]} (${why}); not run again` }
}

class Spawner {
  private readonly dir = mkdtempSync(join(tmpdir(), 'conlink-jobs-'))
  readonly child: ChildProcess
  private readonly waiting = new Map<number, (status: Status) => void>()
  private seq = 0
  private rest = ''
  broken: Error | undefined

  constructor(program: string) {
    this.child = spawn('perl', [program], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.child.on('error', (err) => this.fail(err))
    this.child.on('exit', (code, signal) => this.fail(new Error(`job helper exited (${signal ?? code})`)))
    this.child.stdin!.on('error', (err) => this.fail(err))
    this.child.stdout!.setEncoding('utf8')
    this.child.stdout!.on('data', (text: string) => this.onStatus(text))
    this.child.stdout!.on('close', () => this.fail(new Error('job helper closed its output')))
    this.idle()
    process.once('exit', () => {
      this.child.kill()
      rmSync(this.dir, { recursive: true, force: true })
    })
  }

  /** Throws NotHandedOver when the helper was already gone (the job surely did not run). */
  async run(argv: readonly string[], input: string | undefined, netns: string | undefined, timeoutMs: number | undefined): Promise<RunResult> {
    if (this.broken) throw new NotHandedOver(this.broken.message)
    const id = ++this.seq
    const [inFile, outFile, errFile] = ['in', 'out', 'err'].map((ext) => join(this.dir, `${id}.${ext}`))
    // the input goes along with the job; the helper writes it to inFile only for a program it starts
    const s = await this.send(id, [String(id), String(timeoutMs ?? 0), netns ?? '', input ? inFile : '/dev/null', input ?? '', outFile, errFile, ...argv])
    const read = (file: string) => {
      try {
        const text = readFileSync(file, 'utf8')
        unlinkSync(file)
        return text
      } catch {
        return ''
      }
    }
    // a job the helper did itself sends its output along with its status and had no files; a program's are files
    const inline = s.kind === 'exit' ? s.output : undefined
    if (input && !inline) rmSync(inFile, { force: true })
    const output = inline ?? { stdout: read(outFile), stderr: read(errFile) }
    const stdout = chomp(output.stdout)
    const stderr = chomp(output.stderr)
    switch (s.kind) {
      case 'exit':
        return { stdout, stderr, exitCode: exitCodeOf(s.raw) }
      case 'timeout':
        return { stdout, stderr, exitCode: 124, problem: `timed out after ${timeoutMs} ms` }
      case 'no-fork':
        return { stdout, stderr, exitCode: 126, problem: `job helper cannot fork for ${argv[0]}` }
      case 'no-setns':
        throw new NotHandedOver('no setns on this architecture')
      case 'lost':
        return lostResult(argv, s.why, stdout, stderr)
      default:
        throw new Error(`job helper: unexpected status ${s.kind} for a single job`)
    }
  }

  /**
   * Two or more jobs in one namespace, done by the helper itself on one pair
   * of sockets (a `g` line); undefined when one of them is not work it does itself:
   * then none was run.
   */
  async runTogether(jobs: readonly Job[], netns: string | undefined): Promise<RunResult[] | undefined> {
    if (this.broken) throw new NotHandedOver(this.broken.message)
    const id = ++this.seq
    const s = await this.send(id, [String(id), netns ?? '', String(jobs.length), ...jobs.flatMap((j) => [j.input ?? '', String(j.argv.length), ...j.argv])], 'g ')
    switch (s.kind) {
      case 'group':
        if (s.ended.length !== jobs.length) throw new Error('job helper: wrong number of results for a group')
        return s.ended.map(({ raw, stdout, stderr }) => ({ stdout: chomp(stdout), stderr: chomp(stderr), exitCode: exitCodeOf(raw) }))
      case 'not-here':
        return undefined
      case 'no-setns':
        throw new NotHandedOver('no setns on this architecture')
      case 'lost':
        return jobs.map((j) => lostResult(j.argv, s.why))
      default:
        throw new Error(`job helper: unexpected status ${s.kind} for a group`)
    }
  }

  /** Hands one line to the helper (hex fields after `prefix`) and waits for its status. */
  private async send(id: number, fields: string[], prefix = ''): Promise<Status> {
    const status = new Promise<Status>((resolve) => this.waiting.set(id, resolve))
    this.busy()
    this.child.stdin!.write(prefix + fields.map(hex).join(' ') + '\n')
    const s = await status
    if (this.waiting.size === 0) this.idle()
    return s
  }

  private onStatus(text: string): void {
    const lines = (this.rest + text).split('\n')
    this.rest = lines.pop() ?? ''
    for (const line of lines) {
      const [idText, ...fields] = line.split(' ')
      const id = Number(idText)
      this.waiting.get(id)?.(parseStatus(fields))
      this.waiting.delete(id)
    }
  }

  private fail(err: Error): void {
    this.broken ??= err
    for (const resolve of this.waiting.values()) resolve({ kind: 'lost', why: err.message })
    this.waiting.clear()
  }

  /** The helper keeps node alive only while jobs run. */
  private busy(): void {
    ;(this.child.stdout as { ref?: () => void }).ref?.()
    this.child.ref()
  }

  private idle(): void {
    ;(this.child.stdout as { unref?: () => void }).unref?.()
    this.child.unref()
  }
}

/** A captured run the helper can take: no terminal, signals or process group of its own. */
const plainRun = (opts: RunOptions): boolean => (opts.stdio ?? 'pipe') === 'pipe' && !opts.detached && !opts.signal && !opts.forwardSignals

/**
 * A Runner through the job helper, for captured runs (stdio 'pipe'); other
 * runs, and every run when the helper is unavailable, go to `fallback`.
 */
export class JobRunner implements Runner {
  private spawner: Spawner | undefined
  private noSetns = false

  constructor(
    /** The helper program; null = none (every job goes to the fallback). */
    private readonly program: string | null = helperPath() ?? null,
    private readonly fallback: Runner = processRunner,
  ) {}

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (!this.program || !plainRun(opts) || this.spawner?.broken) return this.fallback.run(argv, opts)
    this.spawner ??= new Spawner(this.program)
    const [job, netns] = this.noSetns ? [nsenterArgv(opts.netns, argv), undefined] : [argv, opts.netns]
    try {
      return checked(argv, await this.spawner.run(job, opts.input, netns, opts.timeoutMs), opts)
    } catch (err) {
      if (!(err instanceof NotHandedOver)) throw err
      if (/setns/.test(err.message) && !this.noSetns) {
        this.noSetns = true
        return this.run(argv, opts)
      }
      return this.fallback.run(argv, opts)
    }
  }

  /** A container's kernel jobs in one entry into its namespace when the helper can do them all itself; else each alone. */
  async runTogether(jobs: readonly Job[], opts: RunOptions = {}): Promise<RunResult[]> {
    const separately = () => runEach(this, jobs, opts)
    if (jobs.length < 2 || !this.program || !plainRun(opts) || this.noSetns || this.spawner?.broken) return separately()
    this.spawner ??= new Spawner(this.program)
    try {
      const results = await this.spawner.runTogether(jobs, opts.netns)
      return results ? results.map((r, i) => checked(jobs[i].argv, r, opts)) : separately()
    } catch (err) {
      if (!(err instanceof NotHandedOver)) throw err
      if (/setns/.test(err.message)) this.noSetns = true
      return separately()
    }
  }

  /** Stop the helper now (tests: what a helper dying mid-job does). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.spawner?.child.kill(signal)
  }
}

/** The runner conlink's kernel work uses by default (one helper per process). */
export const jobRunner = new JobRunner()

/** jobRunner.run with allowFailure (kept for callers that want a result, never a throw). */
export function runJob(argv: readonly string[], input?: string): Promise<RunResult> {
  return jobRunner.run(argv, { input, allowFailure: true })
}
