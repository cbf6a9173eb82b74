import { Flags } from '@oclif/core'
import { ControlCommand, wordsAfterDashes } from '../src/control/command.js'

export default class Capture extends ControlCommand {
  static summary = 'Capture packets on links, from their outer ends in the network container (tcpdump there)'
  static description = `One LINK: pcap, as tcpdump writes it. Several: one pcapng stream, merged, with one interface per link
named CONTAINER:DEV. A tcpdump filter goes after --. Nothing needs to be installed in the containers.`
  static usage = 'capture LINK... [-w FILE|-] [-c COUNT] [--index N] [-- FILTER]'
  static examples = ['conlink capture -p demo h1:eth0 -w - | wireshark -k -i -', 'conlink capture h1:eth0 h2:eth0 -c 100 -w both.pcapng -- icmp']
  static strict = false
  static flags = {
    write: Flags.string({ char: 'w', description: 'file to write, or - for stdout', default: '-' }),
    count: Flags.integer({ char: 'c', description: 'stop after COUNT packets (in total)', min: 1 }),
    index: Flags.integer({ description: 'one replica of each service LINK (default: all)', min: 1 }),
  }

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Capture)
    const filter = wordsAfterDashes(this.argv)
    const links = (argv as string[]).slice(0, (argv as string[]).length - filter.length)
    const { createWriteStream } = await import('node:fs')
    const hostFile = flags.write !== '-' ? flags.write : undefined
    // on a host the file is written here: the command inside writes to its stdout
    const client = await this.client(flags, links, {
      rest: filter,
      flags: { write: '-' },
      stdout: hostFile ? createWriteStream(hostFile) : undefined,
    })
    if (client) await (await import('../src/control/cli.js')).captureMain(client, { links, index: flags.index, write: flags.write, count: flags.count, filter })
  }
}
