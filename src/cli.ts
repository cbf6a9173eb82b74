// Shared command behaviour: print a ConlinkError as one clear message (stack
// only with -v) and exit with its code.
import { Command } from '@oclif/core'
import { ConlinkError, isConlinkError } from './errors.js'
import { isVerbose } from './log.js'

export abstract class ConlinkCommand extends Command {
  protected async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err.oclif?.exit !== undefined && !isConlinkError(err)) return super.catch(err)
    const message = isConlinkError(err) ? err.describe() : err.message
    for (const line of message.split('\n')) process.stderr.write(`ERROR: ${line}\n`)
    if (isVerbose() && err.stack) process.stderr.write(err.stack + '\n')
    process.exitCode = isConlinkError(err) ? err.exitCode : 1
    return undefined
  }
}

export { ConlinkError }
