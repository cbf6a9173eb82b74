// The one way conlink runs a program: an argument vector, never a shell.
import { execa } from 'execa'
import { ConlinkError } from './errors.js'

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

export interface RunOptions {
  input?: string
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean
  timeoutMs?: number
}

export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv
  const result = await execa(file, args, {
    input: opts.input,
    reject: false,
    shell: false,
    stripFinalNewline: true,
    timeout: opts.timeoutMs,
  })
  const exitCode = result.exitCode ?? (result.failed ? 1 : 0)
  const out: RunResult = { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode }
  if (exitCode !== 0 && !opts.allowFailure) {
    const detail = out.stderr.trim() || out.stdout.trim() || (result.originalMessage ?? 'failed')
    throw new ConlinkError(`${argv.join(' ')}: ${detail}`, { place: { file: file } })
  }
  return out
}
