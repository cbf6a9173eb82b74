import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'
import { configFlags, configOptions, formatFlag, printConfig } from '../src/config/command.js'

export default class Config extends ConlinkCommand {
  static summary = 'Print the merged, validated and enriched network config as JSON'
  static description = `Loads every --compose-file (top-level and per-service x-network) and --network-file, merges them,
interpolates environment variables, validates and applies defaults, exactly as \`conlink up\` does.`

  static examples = [
    'conlink config --compose-file examples/test1-compose.yaml',
    'conlink config --check --compose-file examples/test2-compose.yaml --network-file examples/test2-network.yaml',
    'conlink config --compose-file $COMPOSE_FILE | conlink net2dot',
    'conlink config --format upstream --compose-file examples/test1-compose.yaml   # upstream --show-config shape',
  ]

  static flags = {
    ...configFlags,
    check: Flags.boolean({ description: 'print a one-line summary instead of the config' }),
    format: formatFlag,
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Config)
    await printConfig(configOptions(flags), { check: flags.check, format: flags.format })
  }
}
