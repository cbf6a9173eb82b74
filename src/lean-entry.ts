// `conlink up` and `conlink config` without oclif's command discovery:
// oclif's Config.load imports every command module to list the commands (the
// "explicit" strategy's target), which neither needs. This entry loads the
// root plugin with no commands and runs the one command class. Help (`-h`,
// `--help` before `--`) and argument errors (whose report shows the
// command's help) take the full path, so that they look exactly as before; an
// argument error is found before the command does anything, so running it
// again there is safe. `npm run build` bundles this file into
// dist/lean/conlink-lean.mjs (scripts/bundle-lean.mjs).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Config, flush, handle } from '@oclif/core'
import ConfigCommand from '../commands/config.js'
import Up from '../commands/up.js'

const LEAN_COMMANDS = { up: Up, config: ConfigCommand }

/** True when `conlink COMMAND ARGS` can skip the full command list (a lean command, no help asked for). */
export function leanApplies(command: string | undefined, args: string[]): boolean {
  if (!command || !Object.hasOwn(LEAN_COMMANDS, command)) return false
  const end = args.indexOf('--')
  return !(end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/** Run `conlink COMMAND ARGS` with the package at `root` (where package.json is); `fullPath` runs it through oclif's usual start. */
export async function runLean(command: keyof typeof LEAN_COMMANDS, args: string[], root: string, fullPath: () => Promise<unknown>): Promise<void> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const config = await Config.load({ root, pjson: { ...pjson, oclif: { ...pjson.oclif, commands: undefined } } })
  try {
    await LEAN_COMMANDS[command].run(args, config)
    await flush()
  } catch (err) {
    if ((err as { oclif?: { exit?: number } }).oclif?.exit !== undefined) await fullPath()
    else await handle(err as Error)
  }
}
