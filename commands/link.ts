import { Args, Flags } from '@oclif/core'
import { ControlCommand } from '../src/control/command.js'

const linkArg = { link: Args.string({ description: 'SERVICE:DEV or CONTAINER:DEV', required: true }) }
const indexFlag = { index: Flags.integer({ description: 'one replica of the service (default: all)', min: 1 }) }

export class LinkDown extends ControlCommand {
  static summary = 'Take a link down: its outer end goes down, so the container side loses carrier (NO-CARRIER)'
  static description = 'The container is untouched. The link stays down, also across restarts of the container, until `conlink link up`.'
  static examples = ['conlink link down h1:eth0', 'conlink link down -p demo node:eth0 --index 2']
  static args = linkArg
  static flags = indexFlag

  async run(): Promise<void> {
    const { flags, args } = await this.parse(LinkDown)
    const client = await this.client(flags, [args.link])
    if (client) await (await import('../src/control/cli.js')).linkStateMain(client, args.link, flags.index, true)
  }
}

export class LinkUp extends ControlCommand {
  static summary = 'Bring a link taken down with `conlink link down` back up'
  static examples = ['conlink link up h1:eth0']
  static args = linkArg
  static flags = indexFlag

  async run(): Promise<void> {
    const { flags, args } = await this.parse(LinkUp)
    const client = await this.client(flags, [args.link])
    if (client) await (await import('../src/control/cli.js')).linkStateMain(client, args.link, flags.index, false)
  }
}

export class LinkFlap extends ControlCommand {
  static summary = 'Take a link down and up again, COUNT times (the engine runs it; an interrupted flap leaves the link up)'
  static examples = ['conlink link flap h1:eth0 --down 2s --up 5s --count 3']
  static args = linkArg
  static flags = {
    ...indexFlag,
    down: Flags.string({ description: 'how long each time down (e.g. 500ms, 2s)', required: true }),
    up: Flags.string({ description: 'how long up between downs', required: true }),
    count: Flags.integer({ description: 'how many times', default: 1, min: 1 }),
  }

  async run(): Promise<void> {
    const { flags, args } = await this.parse(LinkFlap)
    const client = await this.client(flags, [args.link])
    if (client) await (await import('../src/control/cli.js')).flapMain(client, args.link, flags.index, flags.down, flags.up, flags.count)
  }
}
