// Which parts of the config apply to a container: pure, no engine, no kernel.
import type { CommandSpec, ContainerInfo, LinkSpec, NetworkConfig } from '../config/types.js'
import { linkLabel } from '../config/label.js'

/** Service links only match containers of this compose project (and working dir) when set. */
export interface MatchScope {
  project?: string
  workingDir?: string
}

export interface ContainerWork {
  links: LinkSpec[]
  commands: CommandSpec[]
}

export function inScope(info: ContainerInfo, scope: MatchScope): boolean {
  if (!info.service) return false
  if (scope.project !== undefined && info.project !== scope.project) return false
  if (scope.workingDir !== undefined && info.workingDir !== undefined && info.workingDir !== scope.workingDir) return false
  return true
}

/** The links and commands for `info`, or undefined when the config does not name it. */
export function matchContainer(config: NetworkConfig, info: ContainerInfo, scope: MatchScope): ContainerWork | undefined {
  // own properties only: a container may be named `constructor` or `toString`
  const byName = Object.hasOwn(config.containers, info.name) ? config.containers[info.name] : undefined
  const byService = inScope(info, scope) && Object.hasOwn(config.services, info.service!) ? config.services[info.service!] : undefined
  if (!byName && !byService) return undefined
  return {
    links: [...(byService?.links ?? []), ...(byName?.links ?? [])],
    commands: [...(byService?.commands ?? []), ...(byName?.commands ?? [])],
  }
}

/** Every configured link's identity: each must have at least one instance before "All links connected". */
export function configuredLinkKeys(config: NetworkConfig): Set<string> {
  const owners = [...Object.values(config.services), ...Object.values(config.containers)]
  return new Set(owners.flatMap((owner) => owner.links.map((link) => linkLabel(link, { bare: true }))))
}
