// net2dot's input: the enriched config JSON that `conlink config` prints.
import { ConlinkError } from '../errors.js'
import type { NetworkConfig } from '../config/types.js'

const HINT = 'give the output of `conlink config`'

/** The enriched config JSON, checked for the four top-level keys net2dot reads. */
export function parseConfigJson(text: string, file = '<stdin>'): NetworkConfig {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new ConlinkError(`not JSON: ${(e as Error).message}`, { place: { file }, hint: HINT })
  }
  const obj = (data ?? {}) as Record<string, unknown>
  const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)
  for (const key of ['bridges', 'services', 'containers'] as const) {
    if (!isMap(obj[key])) throw new ConlinkError(`missing or not a map: ${key}`, { place: { file, path: key }, hint: HINT })
  }
  if (!Array.isArray(obj.tunnels)) throw new ConlinkError('missing or not a list: tunnels', { place: { file, path: 'tunnels' }, hint: HINT })
  return data as NetworkConfig
}
