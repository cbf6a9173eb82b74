// `conlink up` and `conlink config` without oclif's command discovery
// (src/lean-entry.ts), from the one-file bundle dist/lean/conlink-lean.mjs when it
// is at least as new as tsc's output (a tsc-only build leaves an older
// bundle, which is then not used).
import { statSync } from 'node:fs'
import { URL, fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1

function entryModule() {
  const bundle = mtime('../dist/lean/conlink-lean.mjs')
  return bundle >= 0 && bundle >= mtime('../dist/src/lean-entry.js') ? '../dist/lean/conlink-lean.mjs' : '../dist/src/lean-entry.js'
}

/** Run `conlink COMMAND ARGS` (up or config); `fullPath` runs it through oclif's usual start (other commands, help, argument errors). */
export async function runCommand(command, args, fullPath) {
  const { leanApplies, runLean } = await import(entryModule())
  if (leanApplies(command, args)) await runLean(command, args, root, fullPath)
  else await fullPath()
}
