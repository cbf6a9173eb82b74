// Shared by the wait and copy tools: usage errors, and running the command
// given after `--` in place of the tool.
import { run } from '../exec.js'

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
export async function execCommand(tool: string, command: readonly string[]): Promise<number> {
  const r = await run(command, { stdio: 'inherit', allowFailure: true, forwardSignals: ['SIGTERM', 'SIGINT', 'SIGHUP'] })
  if (r.exitCode === 127 || r.exitCode === 126) if (r.problem) process.stderr.write(`${tool}: ${r.problem}\n`)
  return r.exitCode
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
