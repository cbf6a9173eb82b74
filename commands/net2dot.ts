import { writeFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'
import { configFlags, configOptions } from '../src/config/command.js'

export default class Net2dot extends ConlinkCommand {
  static summary = 'Draw the network config as a GraphViz graph (DOT or SVG)'
  static description = `Reads the enriched config JSON on stdin (the output of \`conlink config\`), or loads it from --compose-file/--network-file like \`conlink config\` does, and writes a DOT graph, or an SVG picture with --format svg (rendered in-process, no graphviz needed).`

  static examples = [
    'conlink config --compose-file examples/test1-compose.yaml | conlink net2dot > net.dot',
    'conlink net2dot --compose-file examples/test1-compose.yaml --format svg -o net.svg',
  ]

  static flags = {
    ...configFlags,
    format: Flags.string({ options: ['dot', 'svg', 'html'], default: 'dot', description: 'output format (html: a self-contained page with the SVG, no live state)' }),
    output: Flags.string({ char: 'o', description: 'write to FILE instead of stdout' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Net2dot)
    const { renderNetworkGraph } = await import('../src/graph/index.js')
    const text = await renderNetworkGraph({ options: configOptions(flags), format: flags.format as 'dot' | 'svg' | 'html' })
    if (flags.output) await writeFile(flags.output, text)
    else process.stdout.write(text)
  }
}
