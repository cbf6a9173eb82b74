import { Flags } from '@oclif/core'
import { ControlCommand } from '../src/control/command.js'

export default class Events extends ControlCommand {
  static summary = 'Follow link events: created, deleted, failed, down, up, impairment-changed'
  static description = 'Each with the time, container and dev. --json prints one JSON object per line.'
  static examples = ['conlink events', 'conlink events --json --history --no-follow']
  static flags = {
    json: Flags.boolean({ description: 'JSON lines' }),
    history: Flags.boolean({ description: 'first the events the engine kept (the last 1000)' }),
    follow: Flags.boolean({ description: 'keep following new events', default: true, allowNo: true }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Events)
    const client = await this.client(flags, [])
    if (client) await (await import('../src/control/cli.js')).eventsMain(client, flags)
  }
}
