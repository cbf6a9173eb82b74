// Reading config files: network files (YAML or JSON) and the `x-network`
// maps of compose files. Each loaded piece remembers its file and where in
// the file it sits, so later errors can say `services.node.x-network.links[0].mac`.
import { readFileSync } from 'node:fs'
import jsYaml from 'js-yaml'
import { ConlinkError } from '../errors.js'

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
    // JSON is YAML, but JSON.parse is a hundred times faster; fall back to YAML for its error positions.
    try {
      return JSON.parse(text)
    } catch {
      /* parse as YAML below */
    }
  }
  let value: unknown
  try {
    // json: later duplicate keys win, as in Compose
    value = jsYaml.load(text, { filename: file, json: true })
  } catch (err) {
    const { mark, reason } = err as jsYaml.YAMLException
    const at = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : ''
    throw new ConlinkError(`not valid YAML${at}: ${reason ?? String(err)}`, { place: { file }, cause: err })
  }
  if (value === null || value === undefined) throw new ConlinkError('file is empty', { place: { file } })
  return value
}

/** A network file: the whole document is one `x-network` map. */
export function loadNetworkFile(file: string): ConfigPiece[] {
  const doc = readYamlFile(file)
  if (!isMap(doc)) throw new ConlinkError('a network file must be a map', { place: { file }, hint: 'top-level keys are links, bridges, tunnels, commands' })
  return [{ file, prefix: '', doc }]
}

/**
 * A compose file: its top-level `x-network`, then each service's `x-network`
 * in file order. Links and commands of a service default `service` to it.
 */
export function loadComposeFile(file: string): ConfigPiece[] {
  const doc = readYamlFile(file)
  if (!isMap(doc)) throw new ConlinkError('a compose file must be a map', { place: { file } })
  const pieces: ConfigPiece[] = []
  const top = doc['x-network']
  if (top !== undefined && top !== null) pieces.push({ file, prefix: 'x-network.', doc: xNetworkMap(top, file, 'x-network') })
  const services = doc.services ?? {}
  if (!isMap(services)) throw new ConlinkError('`services` must be a map', { place: { file, path: 'services' } })
  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service)) continue
    const x = service['x-network']
    if (x === undefined || x === null) continue
    const path = `services.${name}.x-network`
    pieces.push({ file, prefix: path + '.', doc: defaultService(xNetworkMap(x, file, path), name) })
  }
  return pieces
}

function xNetworkMap(value: unknown, file: string, path: string): Record<string, unknown> {
  if (!isMap(value)) throw new ConlinkError('`x-network` must be a map', { place: { file, path }, hint: 'e.g. `x-network: {links: [{bridge: s1, ip: 10.0.0.1/24}]}`' })
  return value
}

function defaultService(doc: Record<string, unknown>, service: string): Record<string, unknown> {
  const withService = (list: unknown) =>
    Array.isArray(list) ? list.map((item) => (isMap(item) && item.service === undefined && item.container === undefined ? { service, ...item } : item)) : list
  return { ...doc, ...('links' in doc ? { links: withService(doc.links) } : {}), ...('commands' in doc ? { commands: withService(doc.commands) } : {}) }
}

/** Load every source in merge order: compose files (as given), then network files. */
export function loadSources(composeFiles: readonly string[], networkFiles: readonly string[]): ConfigPiece[] {
  return [...splitFileList(composeFiles).flatMap(loadComposeFile), ...splitFileList(networkFiles).flatMap(loadNetworkFile)]
}
