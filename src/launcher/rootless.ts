// Rootless Podman on the host side (`conlink up --mode podman` by a non-root
// user). Every rootless container of a user lives in that user's one user
// namespace, so a network container started there may open the other
// containers' network namespaces: it needs `--privileged` (all capabilities
// of that namespace), `--pid host`, and the user's Podman API socket. When no
// user socket answers, a temporary `podman system service` is started for
// the network container and stopped when it ends (or by `conlink down`).
import { accessSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { ConlinkError } from '../errors.js'
import { startProgram } from '../exec.js'
import { log } from '../log.js'

/** The network the network container gets by default under rootless Podman (as upstream's launcher). */
export const ROOTLESS_NETWORK = 'slirp4netns:port_handler=slirp4netns'
const SERVICE_START_MS = 10_000

type Env = Record<string, string | undefined>

/**
 * The network for a rootless network container given no --network: slirp4netns
 * when this user may open /dev/net/tun (it needs a tap device), else none with
 * a warning (links and bridges need no network; tunnels and forwards do).
 */
export function rootlessDefaultNetwork(tun = '/dev/net/tun'): string {
  try {
    accessSync(tun, constants.R_OK | constants.W_OK)
    return ROOTLESS_NETWORK
  } catch {
    log.warn(`${tun} is not usable by this user, so the network container gets no slirp4netns network (--network none); pass --network to choose one`)
    return 'none'
  }
}

/** Rootless: Podman run by a user other than root. */
export function isRootless(mode: string, uid = process.getuid?.() ?? 0): boolean {
  return mode === 'podman' && uid !== 0
}

/** The user's runtime directory: $XDG_RUNTIME_DIR, else /run/user/UID (where logind makes it). */
export function userRuntimeDir(env: Env = process.env, uid = process.getuid?.() ?? 0): string {
  return env.XDG_RUNTIME_DIR || `/run/user/${uid}`
}

/** Where `systemctl --user start podman.socket` puts the user's Podman API socket. */
export function userPodmanSocket(env: Env = process.env, uid?: number): string {
  return join(userRuntimeDir(env, uid), 'podman', 'podman.sock')
}

/** A temporary Podman service for one network container: its socket, pid and log files. */
export interface ServiceFiles {
  socket: string
  pidFile: string
  logFile: string
}

export function serviceFiles(name: string, env: Env = process.env, uid?: number): ServiceFiles {
  const dir = join(userRuntimeDir(env, uid), 'conlink')
  const base = join(dir, name.replace(/[^A-Za-z0-9_.-]/g, '_'))
  return { socket: `${base}.podman.sock`, pidFile: `${base}.podman-service.pid`, logFile: `${base}.podman-service.log` }
}

/** The command that serves the Podman API on `socket` until stopped. */
export function podmanServiceArgv(socket: string): string[] {
  return ['podman', 'system', 'service', '--time=0', `unix://${socket}`]
}

/** True when an API answers `GET /_ping` on the unix socket within `ms`. */
export function socketAnswers(path: string, ms = 2000): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false)
  return new Promise((resolve) => {
    const req = request({ socketPath: path, path: '/_ping', timeout: ms }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

/** The socket to mount, and how to stop the service when conlink started one. */
export interface PodmanSocket {
  socket: string
  /** The argv of the service conlink starts (undefined: the user's own socket answers). */
  serviceArgv?: string[]
  start(): Promise<void>
  stop(): Promise<void>
}

/** The user's own Podman socket when it answers, else a temporary service (not started yet). */
export async function rootlessPodmanSocket(name: string, env: Env = process.env): Promise<PodmanSocket> {
  const own = userPodmanSocket(env)
  if (await socketAnswers(own)) {
    return { socket: own, start: async () => undefined, stop: async () => undefined }
  }
  const files = serviceFiles(name, env)
  return {
    socket: files.socket,
    serviceArgv: podmanServiceArgv(files.socket),
    start: () => startPodmanService(files),
    stop: async () => void (await stopPodmanService(files)),
  }
}

/** A private directory for the service files: created 0700, refused if it is a symlink or someone else's. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  const uid = process.getuid?.()
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new ConlinkError(`${dir} is not a private directory of this user`, {
      place: { file: dir },
      hint: 'remove it, or set XDG_RUNTIME_DIR to a directory only you can use',
    })
  }
}

export async function startPodmanService(files: ServiceFiles): Promise<void> {
  privateDir(join(files.socket, '..'))
  await stopPodmanService(files)
  const out = openSync(files.logFile, 'w', 0o600)
  const [, ...args] = podmanServiceArgv(files.socket)
  // its own process group: a terminal's Ctrl-C reaches the launcher, which stops it in order.
  // the log file descriptor is handed over directly, so the service keeps
  // writing after a detached launcher has exited.
  const child = startProgram(['podman', ...args], { detached: true, stdout: out, stderr: out })
  let ended = false
  void child.exited.then(() => (ended = true))
  closeSync(out)
  if (child.pid === undefined) throw new ConlinkError('cannot start podman system service', { place: { file: 'podman' } })
  writeFileSync(files.pidFile, `${child.pid}\n`, { mode: 0o600 })
  log.info(`Started a Podman API service for the network container: ${podmanServiceArgv(files.socket).join(' ')} (pid ${child.pid})`)
  const deadline = Date.now() + SERVICE_START_MS
  while (!(await socketAnswers(files.socket, 500))) {
    if (ended || Date.now() > deadline) {
      const detail = readFileSync(files.logFile, 'utf8').trim().split('\n').slice(-3).join('; ')
      await stopPodmanService(files)
      throw new ConlinkError(`podman system service did not answer on ${files.socket} within ${SERVICE_START_MS / 1000} s${detail ? `: ${detail}` : ''}`, {
        place: { file: 'podman' },
        hint: 'check `podman info` as this user (rootless Podman needs uidmap, /etc/subuid and /etc/subgid entries)',
      })
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The pid in the pid file, when that process is still the service for this socket. */
function servicePid(files: ServiceFiles): number | undefined {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(files.pidFile, 'utf8'), 10)
  } catch {
    return undefined
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return cmdline.includes(`unix://${files.socket}`) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Stop the temporary service (when it runs) and remove its files; true if one was running. */
export async function stopPodmanService(files: ServiceFiles): Promise<boolean> {
  const pid = servicePid(files)
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + 5000
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL')
    log.info(`Stopped the Podman API service (pid ${pid})`)
  }
  for (const f of [files.socket, files.pidFile, files.logFile]) rmSync(f, { force: true })
  return pid !== undefined
}
