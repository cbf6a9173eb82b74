// Reading config files: network files (YAML or JSON) and the `x-network`
// maps of compose files. Each loaded piece remembers its file and where in
// the file it sits, so later errors can say `services.node.x-network.links[0].mac`.
import { readFileSync } from 'node:fs'
import jsYaml from 'js-yaml'
import { ConlinkError } from '../errors.js'
import { COMPOSE_SCHEMA, TaggedValue, checkShape, resolveTags, untag } from './shape.js'

/** js-yaml's own nesting limit (it recurses); x-network documents have a tighter one (shape.ts). */
const YAML_MAX_DEPTH = 1000

/** One `x-network` document from one place in one file. */
export interface ConfigPiece {
  file: string
  /** Path prefix of the document inside the file: '' (network file), 'x-network.', 'services.NAME.x-network.'. */
  prefix: string
  doc: Record<string, unknown>
}

/** Split repeatable, colon-separated file options into a flat list of file names. */
export function splitFileList(values: readonly string[] = []): string[] {
  return values.flatMap((v) => v.split(':')).filter((f) => f !== '')
}

/** The list sections of a config (as merge.ts SECTIONS; not imported: merge imports this file). */
const SECTION_KEYS = ['links', 'bridges', 'tunnels', 'commands']

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parse a YAML (or JSON) file; errors name the file and, when known, line and column. */
export function readYamlFile(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const what = code === 'ENOENT' ? 'file does not exist' : `cannot read file (${code ?? String(e)})`
    throw new ConlinkError(what, { place: { file }, hint: 'check the --compose-file/--network-file value', cause: e })
  }
  if (text.trim() === '') throw new ConlinkError('file is empty', { place: { file }, hint: 'add `links:` (and bridges, tunnels, commands) or remove the file from the options' })
  if (/^\s*\{/.test(text)) {
    // JSON is YAML, but JSON.parse is a hundred times faster. It lets a later
    // duplicate key win: when keys went missing, parse as YAML, which reports it.
    try {
      const value: unknown = JSON.parse(text)
      if (jsonKeyCount(text) === countKeys(value)) return value
    } catch {
      /* parse as YAML below, for its error positions */
    }
  }
  let value: unknown
  try {
    // duplicate keys are an error (as in Compose v2); other tags are kept as TaggedValue
    value = jsYaml.load(text, { filename: file, schema: COMPOSE_SCHEMA, maxDepth: YAML_MAX_DEPTH } as jsYaml.LoadOptions)
  } catch (err) {
    if (err instanceof RangeError) throw new ConlinkError('nesting too deep to parse', { place: { file }, cause: err })
    const { mark, reason } = err as jsYaml.YAMLException
    const at = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : ''
    throw new ConlinkError(`not valid YAML${at}: ${reason ?? String(err)}`, { place: { file }, cause: err })
  }
  // a file of only comments or `---` (blank files were refused above)
  if (value === null || value === undefined) throw new ConlinkError('file is empty', { place: { file } })
  return value
}

/** Keys in a parsed JSON value (no recursion: JSON.parse accepts any depth). */
function countKeys(value: unknown): number {
  let n = 0
  const stack = [value]
  while (stack.length) {
    const v = stack.pop()
    if (typeof v !== 'object' || v === null) continue
    const children = Array.isArray(v) ? v : Object.values(v)
    if (!Array.isArray(v)) n += children.length
    for (const c of children) stack.push(c)
  }
  return n
}

/** Keys in a JSON text: each string token followed by `:` (strings never overlap, so this is exact). */
function jsonKeyCount(text: string): number {
  let n = 0
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) if (m[1]) n++
  return n
}

/** A network file: the whole document is one `x-network` map. */
export function loadNetworkFile(file: string): ConfigPiece[] {
  const doc = readYamlFile(file)
  if (!isMap(doc)) throw new ConlinkError('a network file must be a map', { place: { file }, hint: 'top-level keys are links, bridges, tunnels, commands' })
  const tagged = checkShape(doc, file)
  return [{ file, prefix: '', doc: tagged ? resolveTags(doc, SECTION_KEYS) : doc }]
}

/**
 * A compose file: its top-level `x-network`, then each service's `x-network`
 * in file order. Links and commands of a service default `service` to it.
 */
export function loadComposeFile(file: string): ConfigPiece[] {
  const doc = readYamlFile(file)
  if (!isMap(doc)) throw new ConlinkError('a compose file must be a map', { place: { file } })
  const pieces: ConfigPiece[] = []
  const top = untag(doc['x-network'])
  if (top !== undefined && top !== null) pieces.push({ file, prefix: 'x-network.', doc: xNetworkMap(top, file, 'x-network') })
  const services = untag(doc.services) ?? {}
  if (!isMap(services)) throw new ConlinkError('`services` must be a map', { place: { file, path: 'services' } })
  for (const [name, service] of Object.entries(services)) {
    const plainService = untag(service)
    if (!isMap(plainService)) continue
    const x = untag(plainService['x-network'])
    if (x === undefined || x === null) continue
    const path = `services.${name}.x-network`
    pieces.push({ file, prefix: path + '.', doc: defaultService(xNetworkMap(x, file, path), name) })
  }
  return pieces
}

function xNetworkMap(value: unknown, file: string, path: string): Record<string, unknown> {
  if (!isMap(value)) throw new ConlinkError('`x-network` must be a map', { place: { file, path }, hint: 'e.g. `x-network: {links: [{bridge: s1, ip: 10.0.0.1/24}]}`' })
  return checkShape(value, file, path + '.') ? resolveTags(value, SECTION_KEYS) : value
}

function defaultService(doc: Record<string, unknown>, service: string): Record<string, unknown> {
  const withService = (list: unknown): unknown => {
    if (list instanceof TaggedValue) return new TaggedValue(list.tag, withService(list.value))
    return Array.isArray(list) ? list.map((item) => (isMap(item) && item.service === undefined && item.container === undefined ? { service, ...item } : item)) : list
  }
  return { ...doc, ...('links' in doc ? { links: withService(doc.links) } : {}), ...('commands' in doc ? { commands: withService(doc.commands) } : {}) }
}

/** Load every source in merge order: compose files (as given), then network files. */
export function loadSources(composeFiles: readonly string[], networkFiles: readonly string[]): ConfigPiece[] {
  return [...splitFileList(composeFiles).flatMap(loadComposeFile), ...splitFileList(networkFiles).flatMap(loadNetworkFile)]
}
