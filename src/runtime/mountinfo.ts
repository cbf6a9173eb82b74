// The id of the container this process runs in, from /proc/self/mountinfo.
// Docker and Podman bind-mount /etc/hosts, /etc/hostname and /etc/resolv.conf
// from a per-container directory named by the full id:
//   docker: /var/lib/docker/containers/<id>/hostname /etc/hostname
//   podman: /run/containers/storage/overlay-containers/<id>/userdata/hosts /etc/hosts
// cgroups are not used: with cgroup v2 namespaces /proc/self/cgroup shows only `0::/`.
import { readFileSync } from 'node:fs'

const ENGINE_FILES = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'])
const CONTAINER_DIR = /containers\/([0-9a-f]{64})\//

export function containerIdFromMountinfo(text: string): string | undefined {
  for (const line of text.split('\n')) {
    // fields: id parent major:minor root mount-point options ...
    const [, , , root, mountPoint] = line.split(' ')
    if (!root || !ENGINE_FILES.has(mountPoint)) continue
    const match = CONTAINER_DIR.exec(root)
    if (match) return match[1]
  }
  return undefined
}

/** The own container id, or undefined when not in a Docker/Podman container (or /proc is unreadable). */
export function ownContainerId(mountinfoPath = '/proc/self/mountinfo'): string | undefined {
  try {
    return containerIdFromMountinfo(readFileSync(mountinfoPath, 'utf8'))
  } catch {
    return undefined
  }
}
