// Find the modes of mdc: every sub-directory of each MODES_DIR entry is a
// mode; its optional `deps` file says what it needs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConlinkError } from '../errors.js'
import { parseDeps, type ModeGraph, type ModeInfo } from './resolve.js'

/** `./modes:./more` or `./modes,./more` -> list. */
export function splitDirs(value: string): string[] {
  return value.split(/[:,]/).filter(Boolean)
}

/** A relative path written the way a person would (`./modes/base`). */
export function displayPath(...parts: string[]): string {
  const p = join(...parts)
  return p.startsWith('/') || p.startsWith('.') ? p : `./${p}`
}

export function loadModeGraph(modesDirs: string[]): ModeGraph {
  const graph = new Map<string, ModeInfo>()
  for (const modesDir of modesDirs) {
    if (!existsSync(modesDir) || !statSync(modesDir).isDirectory()) {
      throw new ConlinkError(`modes directory not found: ${modesDir}`, {
        place: { path: 'MODES_DIR' },
        hint: 'set MODES_DIR to a colon separated list of existing directories',
      })
    }
    for (const entry of readdirSync(modesDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = displayPath(modesDir, entry.name)
      const known = graph.get(entry.name)
      if (known) {
        throw new ConlinkError(`mode '${entry.name}' found in multiple directories: ${known.dir} and ${dir}`, {
          place: { path: 'MODES_DIR' },
          hint: 'rename one of them or drop one directory from MODES_DIR',
        })
      }
      const depsFile = join(dir, 'deps')
      const deps = existsSync(depsFile) ? parseDeps(readText(depsFile)) : { requires: [], after: [] }
      graph.set(entry.name, { name: entry.name, dir, depsFile: existsSync(depsFile) ? depsFile : undefined, deps })
    }
  }
  return graph
}

/** Read a mode's file, or an error naming it. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConlinkError(`cannot read ${file}: ${(err as Error).message}`, { place: { file } })
  }
}
