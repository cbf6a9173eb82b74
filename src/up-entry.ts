// `conlink up` without oclif's command discovery: oclif's Config.load imports
// every command module to list the commands (the "explicit" strategy's
// target), which `up` never needs. This entry loads the root plugin with no
// commands and runs the Up class alone. Help (`-h`, `--help` before `--`)
// and argument errors (whose report shows the command's help) take the full
// path, so that they look exactly as before; an argument error is found
// before `up` does anything, so running it again there is safe.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Config, flush, handle } from '@oclif/core'
import Up from '../commands/up.js'

/** True when `conlink up ARGS` can skip the full command list (no help asked for). */
export function leanUpApplies(args: string[]): boolean {
  const end = args.indexOf('--')
  return !(end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/** Run `conlink up ARGS` with the package at `root` (where package.json is); `fullPath` runs it through oclif's usual start. */
export async function runUp(args: string[], root: string, fullPath: () => Promise<unknown>): Promise<void> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const config = await Config.load({ root, pjson: { ...pjson, oclif: { ...pjson.oclif, commands: undefined } } })
  try {
    await Up.run(args, config)
    await flush()
  } catch (err) {
    if ((err as { oclif?: { exit?: number } }).oclif?.exit !== undefined) await fullPath()
    else await handle(err as Error)
  }
}
