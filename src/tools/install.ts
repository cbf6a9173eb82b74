// `conlink utils --out DIR`: put the POSIX sh tools where containers can mount them.
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs'
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

/** Copy wait.sh and copy.sh into outDir (created if needed), executable; returns their paths. */
export function installShTools(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true })
  return SH_TOOLS.map((name) => {
    const to = join(outDir, name)
    copyFileSync(join(shToolsDir(), name), to)
    chmodSync(to, 0o755)
    return to
  })
}
