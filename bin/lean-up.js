// `conlink up` without oclif's command discovery (src/up-entry.ts), from the
// one-file bundle dist/conlink-up.mjs when it is at least as new as tsc's
// output (a tsc-only build leaves an older bundle, which is then not used).
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1

function entryModule() {
  const bundle = mtime('../dist/conlink-up.mjs')
  return bundle >= 0 && bundle >= mtime('../dist/src/up-entry.js') ? '../dist/conlink-up.mjs' : '../dist/src/up-entry.js'
}

/** Run `conlink up ARGS`; `fullPath` runs it through oclif's usual start (help, argument errors). */
export async function leanUp(args, fullPath) {
  const { leanUpApplies, runUp } = await import(entryModule())
  if (leanUpApplies(args)) await runUp(args, root, fullPath)
  else await fullPath()
}
