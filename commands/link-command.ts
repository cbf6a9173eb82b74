// The control subcommands that act on one LINK argument (`link down`,
// `impair set`, ...): the oclif class is made from its help text, flags and
// the one call into src/control/cli.ts.
import { Args, Flags, type Interfaces } from '@oclif/core'
import type { ControlClient } from '../src/control/client.js'
import { ControlCommand } from '../src/control/command.js'

type Cli = typeof import('../src/control/cli.js')

export const indexFlag = { index: Flags.integer({ description: 'one replica of the service (default: all)', min: 1 }) }
export const jsonFlag = { json: Flags.boolean({ description: 'print JSON' }) }

interface LinkCommandSpec<F extends Interfaces.FlagInput, Optional extends boolean> {
  summary: string
  description?: string
  examples: string[]
  /** Help text of the LINK argument. */
  link: string
  /** LINK may be left out (the command then means every link). */
  optional?: Optional
  flags: F
  run(cli: Cli, client: ControlClient, link: Optional extends true ? string | undefined : string, flags: Interfaces.InferredFlags<F>): Promise<void>
}

export function linkCommand<F extends Interfaces.FlagInput, Optional extends boolean = false>(spec: LinkCommandSpec<F, Optional>) {
  return class LinkCommand extends ControlCommand {
    static summary = spec.summary
    static description = spec.description
    static examples = spec.examples
    static args = { link: Args.string({ description: spec.link, required: !spec.optional }) }
    static flags = spec.flags

    async run(): Promise<void> {
      const { flags, args } = await this.parse(LinkCommand)
      const client = await this.client(flags, args.link ? [args.link] : [])
      if (client) await spec.run(await import('../src/control/cli.js'), client, args.link as string, flags as Interfaces.InferredFlags<F>)
    }
  }
}
