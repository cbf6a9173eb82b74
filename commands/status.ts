import { Flags } from '@oclif/core'
import { ControlCommand } from '../src/control/command.js'

export default class Status extends ControlCommand {
  static summary = 'Show every configured link, bridge and tunnel: desired against actual, counters, impairments, errors'
  static description = `Inside the network container it asks the control API; on a host it finds the network container
(-p/--project and --service, or --container) and runs there. --check exits 1 when anything desired is missing or
down without being asked to be down. --json prints the document described in docs/control.md.`

  static examples = ['conlink status', 'conlink status -p demo --json', 'conlink status --check', 'conlink status --watch']

  static flags = {
    json: Flags.boolean({ description: 'print the status as one JSON document' }),
    check: Flags.boolean({ description: 'exit 1 when a link, bridge or tunnel is not as desired' }),
    watch: Flags.boolean({ char: 'w', description: 'redraw whenever something changes (Ctrl-C ends)' }),
    config: Flags.boolean({ description: 'print the enriched config the engine runs with (JSON, as `conlink config`) instead' }),
    interval: Flags.integer({ description: 'with --watch: milliseconds between looks', default: 1000, min: 100 }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Status)
    const client = await this.client(flags, [])
    if (!client) return
    const { statusMain } = await import('../src/control/cli.js')
    await statusMain(client, { json: flags.json, check: flags.check, watch: flags.watch, intervalMs: flags.interval, config: flags.config })
  }
}
