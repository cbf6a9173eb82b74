// Is this process inside a container? Decides whether `conlink up` runs the
// engine here or launches the network container (override: --inside/--no-inside).
//
// Signals, strongest first:
// 1. /proc/self/mountinfo shows /etc/hosts|hostname|resolv.conf bind-mounted
//    from an engine's per-container directory (Docker, Podman);
// 2. /run/.containerenv exists (Podman writes it into every container);
// 3. /proc/1/cgroup names a container (cgroup v1: docker, libpod, kubepods,
//    containerd, lxc paths).
// /.dockerenv alone is NOT trusted: VM and machine images built from container
// images keep it on a plain host (this project's own test machines do), and a
// wrong "inside" would run the engine on the host instead of launching.
import { existsSync, readFileSync } from 'node:fs'
import { ownContainerId } from './mountinfo.js'

const CONTAINER_CGROUP = /\/(docker|libpod|kubepods|containerd|lxc|machine\.slice\/libpod)[/-]/

export interface InsideProbe {
  mountinfoPath?: string
  containerenvPath?: string
  cgroupPath?: string
}

export function isInsideContainer(probe: InsideProbe = {}): boolean {
  if (ownContainerId(probe.mountinfoPath)) return true
  if (existsSync(probe.containerenvPath ?? '/run/.containerenv')) return true
  return CONTAINER_CGROUP.test(readOr(probe.cgroupPath ?? '/proc/1/cgroup'))
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
