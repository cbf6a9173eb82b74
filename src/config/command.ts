// What `conlink config` and `conlink up` share: the config flags, turning
// them into ConfigOptions, and printing the enriched config.
import { Flags } from '@oclif/core'
import type { BridgeMode, ConfigOptions } from './types.js'
import { BRIDGE_MODES, DEFAULT_MTU } from './types.js'
import { log } from '../log.js'

export const configFlags = {
  'compose-file': Flags.string({ multiple: true, description: 'compose file(s) with x-network config; colon-separated lists allowed (e.g. $COMPOSE_FILE)' }),
  'network-file': Flags.string({ multiple: true, description: 'network config file(s), YAML or JSON; colon-separated lists allowed' }),
  'default-bridge-mode': Flags.string({ options: [...BRIDGE_MODES], default: 'auto', env: 'CONLINK_BRIDGE_MODE', description: 'mode of bridges that do not set one' }),
  'default-mtu': Flags.integer({ default: DEFAULT_MTU, min: 68, max: 65535, description: 'MTU of links that do not set one (not *vlan/*vtap)' }),
  'keep-veth-offload': Flags.boolean({ description: 'do not turn off tx checksum offload on veth container ends' }),
  'config-schema': Flags.string({ description: 'also validate the merged config against this JSON Schema file (YAML or JSON), as upstream conlink\'s option does' }),
}

export interface ConfigFlagValues {
  'compose-file'?: string[]
  'network-file'?: string[]
  'default-bridge-mode'?: string
  'default-mtu'?: number
  'keep-veth-offload'?: boolean
  'config-schema'?: string
}

export function configOptions(flags: ConfigFlagValues): ConfigOptions {
  return {
    composeFiles: flags['compose-file'] ?? [],
    networkFiles: flags['network-file'] ?? [],
    defaultBridgeMode: (flags['default-bridge-mode'] ?? 'auto') as BridgeMode,
    defaultMtu: flags['default-mtu'] ?? DEFAULT_MTU,
    keepVethOffload: flags['keep-veth-offload'] ?? false,
    configSchema: flags['config-schema'],
  }
}

/** `--format` of `conlink config` and `conlink up --show-config`. */
export const formatFlag = Flags.string({
  options: ['json', 'upstream'],
  default: 'json',
  description: 'json: conlink\'s enriched config; upstream: the shape of upstream conlink\'s --show-config (bridges as {bridge, mode}, forwards as [port, port, proto], tunnels null when none)',
})

/** Load the config, print warnings to stderr and the enriched config (or, with check, a summary line) to stdout. */
export async function printConfig(options: ConfigOptions, { check = false, format = 'json' }: { check?: boolean; format?: string } = {}): Promise<void> {
  // Loaded on use: flag definitions are imported by every command at start-up.
  const { configSummary, formatConfig, loadNetworkConfig } = await import('./index.js')
  const { config, warnings } = await loadNetworkConfig(options)
  warnings.forEach((w) => log.warn(w))
  process.stdout.write((check ? configSummary(config) : formatConfig(config, format === 'upstream' ? 'upstream' : 'json')) + '\n')
}
