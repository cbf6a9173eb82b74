import { writeFile } from 'node:fs/promises'
import { Flags } from '@oclif/core'
import { ConlinkCommand, ConlinkError } from '../src/cli.js'
import { configFlags, configOptions } from '../src/config/command.js'
import { loadNetworkConfig } from '../src/config/index.js'
import type { NetworkConfig } from '../src/config/types.js'
import { networkToDot } from '../src/graph/dot.js'
import { parseConfigJson } from '../src/graph/input.js'
import { dotToSvg } from '../src/graph/svg.js'
import { log } from '../src/log.js'

export default class Net2dot extends ConlinkCommand {
  static summary = 'Draw the network config as a GraphViz graph (DOT or SVG)'
  static description = `Reads the enriched config JSON on stdin (the output of \`conlink config\`), or loads it from --compose-file/--network-file like \`conlink config\` does, and writes a DOT graph, or an SVG picture with --format svg (rendered in-process, no graphviz needed).`

  static examples = [
    'conlink config --compose-file examples/test1-compose.yaml | conlink net2dot > net.dot',
    'conlink net2dot --compose-file examples/test1-compose.yaml --format svg -o net.svg',
  ]

  static flags = {
    ...configFlags,
    format: Flags.string({ options: ['dot', 'svg'], default: 'dot', description: 'output format' }),
    output: Flags.string({ char: 'o', description: 'write to FILE instead of stdout' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Net2dot)
    const fromFiles = (flags['compose-file']?.length ?? 0) + (flags['network-file']?.length ?? 0) > 0
    const config = fromFiles ? await loadConfig(configOptions(flags)) : parseConfigJson(await readStdin())
    const dot = networkToDot(config)
    const text = flags.format === 'svg' ? await dotToSvg(dot) : dot
    if (flags.output) await writeFile(flags.output, text)
    else process.stdout.write(text)
  }
}

async function loadConfig(options: Parameters<typeof loadNetworkConfig>[0]): Promise<NetworkConfig> {
  const { config, warnings } = await loadNetworkConfig(options)
  warnings.forEach((w) => log.warn(w))
  return config
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new ConlinkError('no config on stdin', {
      place: { file: '<stdin>' },
      hint: 'pipe `conlink config ...` into it, or give --compose-file/--network-file',
    })
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
