// Shared by the wait and copy tools: usage errors, and running the command
// given after `--` in place of the tool.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'

/** A tool failure: the message goes to stderr as `TOOL: message`, then exit with `code`. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly usage?: string,
  ) {
    super(message)
  }
}

export const usageError = (message: string, usage: string): ToolError => new ToolError(message, 2, usage)

/** Split argv at the first `--`: the tool's own arguments, and the command after it. */
export function splitCommand(argv: readonly string[]): { args: string[]; command: string[] } {
  const i = argv.indexOf('--')
  return i < 0 ? { args: [...argv], command: [] } : { args: argv.slice(0, i), command: argv.slice(i + 1) }
}

/**
 * Run COMMAND with inherited stdio as if exec'd (Node cannot exec(2)):
 * SIGTERM/SIGINT/SIGHUP are forwarded, and its exit code (128+signal when
 * killed) is returned.
 */
export function execCommand(tool: string, command: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit' })
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
    const forward = (sig: NodeJS.Signals) => child.kill(sig)
    for (const sig of signals) process.on(sig, forward)
    const done = (code: number) => {
      for (const sig of signals) process.off(sig, forward)
      resolve(code)
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`${tool}: cannot run ${command[0]}: ${err.code === 'ENOENT' ? 'not found' : err.message}\n`)
      done(err.code === 'ENOENT' ? 127 : 126)
    })
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)))
  })
}

/** Run a tool's main function: print a ToolError (and usage) on stderr, return the exit code. */
export async function runTool(tool: string, main: () => Promise<number>): Promise<number> {
  try {
    return await main()
  } catch (err) {
    if (!(err instanceof ToolError)) throw err
    process.stderr.write(`${tool}: ${err.message}\n`)
    if (err.usage) process.stderr.write(`usage: ${err.usage}\n`)
    return err.code
  }
}
