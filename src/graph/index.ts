// net2dot: the enriched config (from files or stdin JSON) as DOT or SVG.
import { loadNetworkConfig } from '../config/index.js'
import type { ConfigOptions, NetworkConfig } from '../config/types.js'
import { ConlinkError } from '../errors.js'
import { log } from '../log.js'
import { networkToDot } from './dot.js'
import { graphPage, markLinkEdges } from './html.js'
import { parseConfigJson } from './input.js'
import { dotToSvg } from './svg.js'

export interface GraphRequest {
  /** Load from these files; when both lists are empty, read config JSON from stdin. */
  options: ConfigOptions
  format: 'dot' | 'svg' | 'html'
}

export async function renderNetworkGraph({ options, format }: GraphRequest): Promise<string> {
  const fromFiles = options.composeFiles.length + options.networkFiles.length > 0
  const config = fromFiles ? await loadConfig(options) : parseConfigJson(await readStdin())
  const dot = networkToDot(config)
  if (format === 'html') return graphPage(markLinkEdges(await dotToSvg(dot)), { title: 'conlink network' })
  return format === 'svg' ? dotToSvg(dot) : dot
}

async function loadConfig(options: ConfigOptions): Promise<NetworkConfig> {
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
