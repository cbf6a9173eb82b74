// The one way messages and keys name a link.

/** A configured link as written (values not validated yet are shown as JSON). */
interface LinkOwner {
  service?: unknown
  container?: unknown
  dev?: unknown
}

/** A link instance: a configured link in a container. */
interface LinkInContainer {
  link: object
  container: { name: string }
  dev: string
}

/**
 * A link instance: `node_1:eth0` (its container's name). A configured link:
 * `service node:eth0` or `container foo:eth1`, dev defaulting to eth0, or
 * with `bare` just `node:eth0`.
 */
export function linkLabel(link: LinkInContainer | LinkOwner, opts: { bare?: boolean } = {}): string {
  if (isInstance(link)) return `${link.container.name}:${link.dev}`
  const [kind, owner] = link.service !== undefined ? ['service', link.service] : ['container', link.container]
  const label = `${labelPart(owner)}:${labelPart(link.dev ?? 'eth0')}`
  return opts.bare ? label : `${kind} ${label}`
}

function isInstance(link: LinkInContainer | LinkOwner): link is LinkInContainer {
  return 'link' in link && typeof link.container === 'object' && link.container !== null
}

/** Not-yet-validated values may be maps with a `toString` key. */
function labelPart(v: unknown): string {
  return typeof v === 'string' ? v : String(JSON.stringify(v))
}
