// net2dot: the enriched NetworkConfig as a GraphViz DOT graph.
//
// Layout: a host cluster holds the network container's cluster (one
// sub-cluster per bridge, holding the outer ends and tunnels) and the host
// parent interfaces of *vlan/*vtap links; one cluster per service and per
// container holds its interfaces and commands; remote tunnel ends sit outside the host.
// Services are drawn as their replica 1. Node ids are readable but quoted, so
// any config string is safe in the output.
import type { CommandSpec, LinkSpec, NetworkConfig, OwnerConfig, TunnelSpec } from '../config/types.js'
import { addressList } from '../config/address.js'
import { outerDevName } from '../net/links/facts.js'

export interface DotOptions {
  /** Graph name (default `conlink`). */
  name?: string
}

type Owner = { kind: 'service' | 'container'; name: string }

/** A DOT quoted string: `"` and `\` escaped, line breaks as DOT `\n`. */
export function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n') + '"'
}

/** A label of several lines (each escaped; joined by DOT line breaks). */
function label(...lines: (string | undefined)[]): string {
  return quote(lines.filter((l): l is string => !!l).join('\n'))
}

/** A `//` comment line; config strings reduced to harmless characters. */
function comment(text: string): string {
  return '// ' + text.replace(/[^\w .:@/+-]/g, '?')
}

function attrs(a: Record<string, string | undefined>): string {
  const parts = Object.entries(a)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
  return parts.length ? ` [${parts.join(', ')}]` : ''
}

function ownerKey(o: Owner): string {
  return `${o.kind === 'service' ? 'svc' : 'ctr'}/${o.name}`
}

const innerId = (o: Owner, dev: string): string => quote(`${ownerKey(o)}/${dev}`)
const outerId = (name: string): string => quote(`outer/${name}`)
const hostIfId = (name: string): string => quote(`host/${name}`)
const remoteId = (ip: string): string => quote(`remote/${ip}`)

/** Name of a link's outer end as drawn: replica 1's, as long as it takes (no container id to shorten it with). */
const drawnOuterDev = (owner: Owner, link: LinkSpec): string => outerDevName(link, { index: 1, name: owner.name }) ?? '?'

function isHostLink(link: LinkSpec): boolean {
  return link.base === 'host'
}

interface LinkEntry {
  owner: Owner
  link: LinkSpec
}

function allLinks(config: NetworkConfig): LinkEntry[] {
  const entries = (kind: Owner['kind'], owners: Record<string, OwnerConfig>): LinkEntry[] =>
    Object.entries(owners).flatMap(([name, oc]) => oc.links.map((link) => ({ owner: { kind, name }, link })))
  return [...entries('service', config.services), ...entries('container', config.containers)]
}

/** Bridges in config order, plus any only named by a link or tunnel. */
function bridgeNames(config: NetworkConfig, links: LinkEntry[]): string[] {
  const names = new Set(Object.keys(config.bridges))
  for (const { link } of links) if (link.bridge && link.base === 'conlink') names.add(link.bridge)
  for (const t of config.tunnels) names.add(t.bridge)
  return [...names]
}

function bridgeCluster(config: NetworkConfig, bridge: string, links: LinkEntry[], tunnels: TunnelSpec[]): string[] {
  const spec = config.bridges[bridge]
  const resolved = spec?.['resolved-mode']
  const mode = spec && spec.mode !== resolved ? `${spec.mode}: ${resolved}` : resolved
  const patch = resolved === 'patch'
  const out = [
    `subgraph ${quote(`cluster_bridge/${bridge}`)} {`,
    `  label=${label(`${patch ? 'patch' : 'bridge'} ${bridge}${mode && !patch ? ` (${mode})` : ''}`)};`,
    patch ? '  style="dashed"; color="darkorange";' : '  style="rounded,filled"; fillcolor="lightblue";',
  ]
  const ends = links.map(({ owner, link }) => drawnOuterDev(owner, link))
  for (const end of ends) out.push(`  ${outerId(end)}${attrs({ label: label(end) })};`)
  for (const t of tunnels) out.push(`  ${outerId(t['outer-dev'])}${attrs({ label: label(t['outer-dev'], `vni ${t.vni}`, t.port !== undefined ? `udp ${t.port}` : undefined), shape: '"cds"' })};`)
  // A patch joins its two ends directly (tc mirred), not through a switch.
  if (patch && ends.length === 2) out.push(`  ${outerId(ends[0])} -- ${outerId(ends[1])}${attrs({ label: '"mirred"', style: '"dashed"' })};`)
  out.push('}')
  return out
}

function hostCluster(config: NetworkConfig, links: LinkEntry[]): string[] {
  const veths = links.filter((e) => e.link.base === 'conlink')
  const conlink = bridgeNames(config, links).flatMap((b) =>
    bridgeCluster(
      config,
      b,
      veths.filter((e) => e.link.bridge === b),
      config.tunnels.filter((t) => t.bridge === b),
    ),
  )
  const parents = [...new Set(links.filter((e) => isHostLink(e.link)).map((e) => e.link['outer-dev'] ?? '?'))]
  return [
    `subgraph ${quote('cluster_host')} {`,
    `  label="host"; style="filled"; fillcolor="whitesmoke";`,
    ...parents.map((p) => `  ${hostIfId(p)}${attrs({ label: label(p), shape: '"box3d"' })};`),
    `  subgraph ${quote('cluster_conlink')} {`,
    `    label="conlink (network container)"; style="filled"; fillcolor="lightyellow";`,
    ...conlink.map((l) => '    ' + l),
    '  }',
    '}',
  ]
}

/** A command's text as drawn: a string as given, an argv joined by spaces. */
function commandText(command: CommandSpec['command']): string {
  return Array.isArray(command) ? command.map(String).join(' ') : String(command)
}

function ownerCluster(owner: Owner, { links, commands }: OwnerConfig): string[] {
  return [
    `subgraph ${quote(`cluster_${ownerKey(owner)}`)} {`,
    `  label=${label(`${owner.kind} ${owner.name}`)}; style="rounded,filled"; fillcolor="honeydew";`,
    ...links.map((l) => `  ${innerId(owner, l.dev)}${attrs({ label: label(l.dev, ...addressList(l.ip)), style: l.base === 'local' ? '"rounded,dashed"' : undefined })};`),
    ...commands.map((c, i) => `  ${quote(`${ownerKey(owner)}/command/${i}`)}${attrs({ label: label(`$ ${commandText(c.command)}`), shape: '"note"', style: '"filled"', fillcolor: '"white"' })};`),
    '}',
  ]
}

function linkEdge({ owner, link }: LinkEntry): string | undefined {
  const from = innerId(owner, link.dev)
  if (link.base === 'conlink') return `${from} -- ${outerId(drawnOuterDev(owner, link))};`
  if (isHostLink(link)) {
    const text = `${link.type}${link.vlanid !== undefined ? ` ${link.vlanid}` : ''}${link.mode ? ` (${link.mode})` : ''}`
    return `${from} -- ${hostIfId(link['outer-dev'] ?? '?')}${attrs({ label: label(text), style: '"bold"' })};`
  }
  return undefined // dummy: local to its container
}

/** The DOT text of a network config (pure). */
export function networkToDot(config: NetworkConfig, opts: DotOptions = {}): string {
  const links = allLinks(config)
  const owners = [
    ...Object.entries(config.services).map(([name, oc]) => ({ owner: { kind: 'service', name } as Owner, config: oc })),
    ...Object.entries(config.containers).map(([name, oc]) => ({ owner: { kind: 'container', name } as Owner, config: oc })),
  ].filter((o) => o.config.links.length + o.config.commands.length > 0)
  const remotes = [...new Set(config.tunnels.map((t) => t.remote))]
  const body = [
    'compound=true; rankdir="LR"; fontname="Helvetica";',
    'node [shape="box", style="rounded", fontname="Helvetica", fontsize=10];',
    'edge [fontname="Helvetica", fontsize=9];',
    ...hostCluster(config, links),
    ...owners.flatMap((o) => ownerCluster(o.owner, o.config)),
    ...remotes.map((ip) => `${remoteId(ip)}${attrs({ label: label('remote host', ip), shape: '"box3d"' })};`),
    ...links.flatMap((e) => {
      const edge = linkEdge(e)
      return edge ? [comment(`link ${e.owner.kind} ${e.owner.name}:${e.link.dev}`), edge] : []
    }),
    ...config.tunnels.map((t) => `${outerId(t['outer-dev'])} -- ${remoteId(t.remote)}${attrs({ label: label(t.type), style: '"dashed"' })};`),
  ]
  return `graph ${quote(opts.name ?? 'conlink')} {\n${body.map((l) => '  ' + l).join('\n')}\n}\n`
}
