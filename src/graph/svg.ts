// Render DOT to SVG in-process (Graphviz compiled to WebAssembly): no system
// graphviz and no browser needed.
import { instance, type Viz } from '@viz-js/viz'
import { ConlinkError } from '../errors.js'

let viz: Promise<Viz> | undefined

/** The SVG document of a DOT graph. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= instance()
  const result = (await viz).render(dot, { format: 'svg' })
  if (result.status !== 'success') {
    const detail = result.errors.map((e) => e.message.trim()).join('; ')
    throw new ConlinkError(`cannot render the graph as SVG: ${detail}`, { place: { file: 'net2dot' } })
  }
  return result.output
}
