// `conlink utils --out DIR`: put the POSIX sh tools where containers can mount them.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConlinkError } from '../errors.js'

export const SH_TOOLS = ['wait.sh', 'copy.sh']

/** src/tools/sh of the installed package, from src/ (tsx) or dist/src/ (built). */
export function shToolsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (dir !== '/') {
    const candidate = join(dir, 'src', 'tools', 'sh')
    if (existsSync(join(candidate, 'wait.sh')) && existsSync(join(dir, 'package.json'))) return candidate
    dir = dirname(dir)
  }
  throw new ConlinkError('cannot find the sh tools (src/tools/sh) of this conlink installation')
}

/**
 * Copy wait.sh and copy.sh into outDir (created if needed), executable;
 * returns their paths. Each is written as a new file and renamed into place:
 * a link at the target is replaced, never written through.
 */
export function installShTools(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true })
  return SH_TOOLS.map((name) => {
    const to = join(outDir, name)
    if (lstatSync(to, { throwIfNoEntry: false })?.isDirectory()) throw new ConlinkError(`cannot install ${name}: ${to} is a directory`, { hint: 'remove it or choose another --out' })
    const tmp = join(outDir, `.${name}.${process.pid}.tmp`)
    rmSync(tmp, { force: true })
    writeFileSync(tmp, readFileSync(join(shToolsDir(), name)), { flag: 'wx', mode: 0o600 })
    chmodSync(tmp, 0o755)
    renameSync(tmp, to)
    return to
  })
}
