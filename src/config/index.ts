// The configuration layer: load -> merge -> interpolate -> merge by identity
// -> validate -> enrich. `loadNetworkConfig` is the one entry point.
import { DEFAULT_MTU } from './types.js'
export { DEFAULT_MTU }
import { ConfigErrors, ConlinkError } from '../errors.js'
import type { ConfigOptions, NetworkConfig } from './types.js'
import { loadSources } from './load.js'
import { mergeIdentities, mergePieces } from './merge.js'
import { interpolateMerged, type Env } from './interpolate.js'
import { validateMerged } from './validate.js'
import { enrich, allLinks } from './enrich.js'
import { toUpstreamShape } from './upstream.js'

export type LoadConfigOptions = Partial<ConfigOptions> & {
  env?: Env
  probe?: () => boolean
  strictOvs?: boolean
}


/** Throw nothing for no errors, the error itself for one, ConfigErrors for several. */
export function throwErrors(errors: ConlinkError[]): void {
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new ConfigErrors(errors)
}

/** Load, merge, interpolate, validate and enrich the config. Throws ConlinkError/ConfigErrors naming file and path. */
export async function loadNetworkConfig(opts: LoadConfigOptions): Promise<{ config: NetworkConfig; warnings: string[] }> {
  const composeFiles = opts.composeFiles ?? []
  const networkFiles = opts.networkFiles ?? []
  if (composeFiles.length === 0 && networkFiles.length === 0) {
    throw new ConlinkError('no configuration given', { hint: 'pass --compose-file FILE and/or --network-file FILE' })
  }
  const merged = mergePieces(loadSources(composeFiles, networkFiles))
  const interpolated = interpolateMerged(merged, opts.env ?? process.env)
  throwErrors(interpolated.errors)
  // ajv's compiler is loaded only for a --config-schema file (conlink's own schema is compiled at build time)
  if (opts.configSchema) throwErrors((await import('./extra-schema.js')).validateAgainstSchemaFile(interpolated.merged, opts.configSchema))
  const combined = mergeIdentities(interpolated.merged)
  throwErrors(validateMerged(combined))
  const result = enrich(combined, {
    defaultBridgeMode: opts.defaultBridgeMode ?? 'auto',
    defaultMtu: opts.defaultMtu ?? DEFAULT_MTU,
    keepVethOffload: opts.keepVethOffload ?? false,
    probe: opts.probe,
    strictOvs: opts.strictOvs,
  })
  throwErrors(result.errors)
  return { config: result.config, warnings: [...interpolated.warnings, ...result.warnings] }
}

/** `--format` of `conlink config`: conlink's own JSON, or upstream conlink's `--show-config` shape. */
export type ConfigFormat = 'json' | 'upstream'

/** The enriched config as printed by `conlink config` and `conlink up --show-config` (`upstream`: upstream conlink's shape). */
export function formatConfig(config: NetworkConfig, format: ConfigFormat = 'json'): string {
  // upstream prints one line; ours is indented for people to read
  return format === 'upstream' ? JSON.stringify(toUpstreamShape(config)) : JSON.stringify(config, null, 2)
}

/** One line: `OK: 3 bridges, 6 links (4 services, 0 containers), 0 tunnels, 0 commands`. */
export function configSummary(config: NetworkConfig): string {
  const services = Object.keys(config.services).length
  const containers = Object.keys(config.containers).length
  const commands = [...Object.values(config.services), ...Object.values(config.containers)].reduce((n, o) => n + o.commands.length, 0)
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return `OK: ${plural(Object.keys(config.bridges).length, 'bridge')}, ${plural(allLinks(config).length, 'link')} (${plural(services, 'service')}, ${plural(containers, 'container')}), ${plural(config.tunnels.length, 'tunnel')}, ${plural(commands, 'command')}`
}

export { allLinks, linksWithForwards } from './enrich.js'
export { instantiateLink } from './replica.js'
export { splitFileList } from './load.js'
export type { Env } from './interpolate.js'
