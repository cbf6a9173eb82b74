import { Args, Flags } from '@oclif/core'
import { ControlCommand } from '../src/control/command.js'

const indexFlag = { index: Flags.integer({ description: 'one replica of the service (default: all)', min: 1 }) }
const jsonFlag = { json: Flags.boolean({ description: 'print JSON' }) }

export class ImpairSet extends ControlCommand {
  static summary = 'Impair a running link: delay, jitter, loss, rate, corruption, duplication, reordering'
  static description = `netem on the outer end (--direction to: traffic toward the container) and/or the container end
(from: traffic leaving it); default both for veth links, from for others. A rate alone uses tbf when the kernel has
no netem. Replaces the link's earlier runtime impairment on those ends; survives restarts of the container until
\`conlink impair clear\`.`
  static examples = ['conlink impair set h1:eth0 --delay 100ms --jitter 10ms --loss 1%', 'conlink impair set h1:eth0 --rate 1mbit --direction to']
  static args = { link: Args.string({ description: 'SERVICE:DEV or CONTAINER:DEV', required: true }) }
  static flags = {
    ...indexFlag,
    ...jsonFlag,
    delay: Flags.string({ description: 'added delay, e.g. 100ms' }),
    jitter: Flags.string({ description: 'delay variation (needs --delay), e.g. 10ms' }),
    loss: Flags.string({ description: 'packets dropped, e.g. 5%' }),
    rate: Flags.string({ description: 'bandwidth limit, e.g. 1mbit, 500kbit (tc units)' }),
    corrupt: Flags.string({ description: 'packets with a flipped bit, e.g. 1%' }),
    duplicate: Flags.string({ description: 'packets sent twice, e.g. 1%' }),
    reorder: Flags.string({ description: 'packets sent at once, before delayed ones (needs --delay), e.g. 25%' }),
    direction: Flags.string({ options: ['to', 'from', 'both'], description: 'to the container, from it, or both' }),
  }

  async run(): Promise<void> {
    const { flags, args } = await this.parse(ImpairSet)
    const client = await this.client(flags, [args.link])
    if (!client) return
    const { delay, jitter, loss, rate, corrupt, duplicate, reorder, direction } = flags
    await (await import('../src/control/cli.js')).impairSetMain(client, args.link, flags.index, { delay, jitter, loss, rate, corrupt, duplicate, reorder, direction }, flags.json)
  }
}

export class ImpairShow extends ControlCommand {
  static summary = 'Show the runtime impairments (and the config baseline) of one link or all links'
  static examples = ['conlink impair show', 'conlink impair show h1:eth0 --json']
  static args = { link: Args.string({ description: 'SERVICE:DEV or CONTAINER:DEV (default: all)' }) }
  static flags = { ...indexFlag, ...jsonFlag }

  async run(): Promise<void> {
    const { flags, args } = await this.parse(ImpairShow)
    const client = await this.client(flags, args.link ? [args.link] : [])
    if (client) await (await import('../src/control/cli.js')).impairShowMain(client, args.link, flags.index, flags.json)
  }
}

export class ImpairClear extends ControlCommand {
  static summary = 'Remove runtime impairments: the link returns to its config (netem baseline or none)'
  static examples = ['conlink impair clear h1:eth0', 'conlink impair clear   # every link']
  static args = { link: Args.string({ description: 'SERVICE:DEV or CONTAINER:DEV (default: every impaired link)' }) }
  static flags = { ...indexFlag, ...jsonFlag }

  async run(): Promise<void> {
    const { flags, args } = await this.parse(ImpairClear)
    const client = await this.client(flags, args.link ? [args.link] : [])
    if (client) await (await import('../src/control/cli.js')).impairClearMain(client, args.link, flags.index, flags.json)
  }
}
