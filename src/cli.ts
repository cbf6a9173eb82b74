// Shared command behaviour: -v/--verbose (also from VERBOSE) on every command,
// and a ConlinkError printed as one clear message (stack only with -v) that
// exits with its code.
import { Command, Flags, type Interfaces } from '@oclif/core'
import { isConlinkError } from './errors.js'
import { isVerbose, setVerbose } from './log.js'

/** Upstream's VERBOSE: set and not empty, 0, false or no. */
export function verboseFromEnv(value: string | undefined = process.env.VERBOSE): boolean {
  return value !== undefined && !['', '0', 'false', 'no'].includes(value.trim().toLowerCase())
}

// The shapes of oclif's FlagOutput and ArgOutput, which its index does not export.
type FlagOutput = { [name: string]: any } // eslint-disable-line @typescript-eslint/no-explicit-any
type ArgOutput = { [name: string]: any } // eslint-disable-line @typescript-eslint/no-explicit-any

export const verboseFlag = Flags.boolean({
  char: 'v',
  description: 'more detail: timings, stack traces on errors (also when the VERBOSE environment variable is set and not 0, false or no)',
})

export abstract class ConlinkCommand extends Command {
  static baseFlags = { verbose: verboseFlag }

  protected async init(): Promise<void> {
    await super.init()
    if (verboseFromEnv()) setVerbose(true)
  }

  protected async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    if ((parsed.flags as { verbose?: boolean }).verbose) setVerbose(true)
    return parsed
  }

  protected async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined && !isConlinkError(err)) return super.catch(err)
    const message = isConlinkError(err) ? err.describe() : err.message
    for (const line of message.split('\n')) process.stderr.write(`ERROR: ${line}\n`)
    if (isVerbose() && err.stack) process.stderr.write(err.stack + '\n')
    process.exitCode = isConlinkError(err) ? err.exitCode : 1
    return undefined
  }
}

/**
 * wait, copy and mdc read their own argument vector, as their POSIX sh
 * versions do (oclif declares args and usage for help only). A leading
 * -v/--verbose is the base flag.
 */
export abstract class OwnArgvCommand extends ConlinkCommand {
  static strict = false

  protected ownArgv(): string[] {
    let start = 0
    while (this.argv[start] === '-v' || this.argv[start] === '--verbose') start++
    if (start > 0) setVerbose(true)
    return this.argv.slice(start)
  }
}
