// Compose labels -> ContainerInfo. Never parse container names: v1 and v2
// name replicas differently (`proj_svc_1` / `proj-svc-1`), labels do not.
import type { ContainerInfo } from '../config/types.js'

export type Labels = Record<string, string> | null | undefined

/** Compose v1/v2 and podman-compose set the docker keys; podman-compose also (older versions only) the io.podman ones. */
const LABEL_KEYS = {
  project: ['com.docker.compose.project', 'io.podman.compose.project'],
  service: ['com.docker.compose.service', 'io.podman.compose.service'],
  workingDir: ['com.docker.compose.project.working_dir', 'io.podman.compose.project.working_dir'],
  index: ['com.docker.compose.container-number', 'io.podman.compose.container-number'],
} as const

function label(labels: Labels, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = labels?.[key]
    if (value) return value
  }
  return undefined
}

/** Build a ContainerInfo from what the engine reports: name may carry the engine's leading `/`. */
export function toContainerInfo(id: string, name: string, pid: number, labels: Labels): ContainerInfo {
  const index = Number.parseInt(label(labels, LABEL_KEYS.index) ?? '', 10)
  const info: ContainerInfo = { id, name: name.replace(/^\//, ''), pid, index: Number.isInteger(index) && index > 0 ? index : 1 }
  const project = label(labels, LABEL_KEYS.project)
  const service = label(labels, LABEL_KEYS.service)
  const workingDir = label(labels, LABEL_KEYS.workingDir)
  if (project) info.project = project
  if (service) info.service = service
  if (workingDir) info.workingDir = workingDir
  return info
}
