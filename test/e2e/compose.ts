// Shared by the `conlink up` e2e tests: a compose project of an examples/ file,
// found through compose labels (works with Compose v1 and v2), waits on
// conditions, and the network container's log when an assertion fails.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import jsYaml from 'js-yaml'
import { it } from 'node:test'
import { execa } from 'execa'
import { run, type RunResult } from '../../src/exec.js'
import { composeCommand as mdcComposeCommand, mdcSettings } from '../../src/compose/mdc.js'
import { ALL_CONNECTED } from '../../src/engine/engine.js'
import { probeCapabilities, type Capabilities } from '../../src/net/index.js'
import { connectEngines } from '../../src/runtime/index.js'
import { TEST_IMAGE } from './runtime-helpers.js'

export { ALL_CONNECTED }
export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
export const CONLINK_IMAGE = 'conlink:latest'
export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const PODMAN_SOCKET = '/var/run/podman/podman.sock'

let composeArgv: Promise<string[]> | undefined
/** The compose command mdc would use: `$DOCKER_COMPOSE`, else v2 when present, else v1. */
export function composeCommand(): Promise<string[]> {
  composeArgv ??= mdcComposeCommand(mdcSettings(process.env))
  return composeArgv
}

/** Why the engine tests cannot run here (no engine, compose or image), or undefined. */
export async function missingPrerequisite(): Promise<string | undefined> {
  if ((await run(['docker', 'version'], { allowFailure: true })).exitCode !== 0) return 'docker does not answer (scripts/testbed.sh starts it)'
  const [file, ...args] = await composeCommand()
  if ((await run([file, ...args, 'version'], { allowFailure: true })).exitCode !== 0) return 'neither `docker compose` nor `docker-compose` is installed'
  for (const image of [CONLINK_IMAGE, TEST_IMAGE]) {
    if (!(await imagePresent('docker', image))) return `image ${image} is missing (scripts/testbed.sh builds it)`
  }
  return undefined
}

/** Like missingPrerequisite, plus the built CLI that mdc and the tools tests run. */
export async function toolsPrerequisite(): Promise<string | undefined> {
  if (!existsSync(join(REPO, 'dist/commands/index.js'))) return 'dist/ is missing (npx tsc -p .)'
  return missingPrerequisite()
}

export async function imagePresent(engine: 'docker' | 'podman', image: string): Promise<boolean> {
  return (await run([engine, 'image', 'inspect', image], { allowFailure: true })).exitCode === 0
}

let capabilities: Promise<Capabilities> | undefined
/** The kernel features of this machine (probed once, in throwaway namespaces). */
export function kernel(): Promise<Capabilities> {
  capabilities ??= probeCapabilities()
  return capabilities
}

/** Poll `check` every `intervalMs` until it returns something truthy; throw after `ms`. */
export async function waitUntil<T>(what: string, ms: number, check: () => Promise<T | undefined | false>, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** `docker exec` (argv, no shell); never throws. */
export function dockerExec(id: string, argv: string[], engine: 'docker' | 'podman' = 'docker'): Promise<RunResult> {
  return run([engine, 'exec', id, ...argv], { allowFailure: true, timeoutMs: 30_000 })
}

/** Ping until one reply comes back (links appear asynchronously), or fail after `ms`. */
export async function pingUntil(id: string, ip: string, ms = 15_000, engine: 'docker' | 'podman' = 'docker'): Promise<void> {
  let last: RunResult | undefined
  try {
    await waitUntil(`ping ${ip} from ${id.slice(0, 12)}`, ms, async () => {
      last = await dockerExec(id, ['ping', '-c1', '-W1', ip], engine)
      return last.exitCode === 0
    })
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${last?.stdout} ${last?.stderr}`.trim())
  }
}

export async function containerPid(id: string, engine: 'docker' | 'podman' = 'docker'): Promise<number> {
  return Number((await run([engine, 'inspect', '-f', '{{.State.Pid}}', id])).stdout.trim())
}

/** Interface names in a container's network namespace (from the host, by pid). */
export async function linkNames(pid: number): Promise<string[]> {
  const out = (await run(['nsenter', '-t', String(pid), '-n', 'ip', '-o', 'link'])).stdout
  return out.split('\n').filter(Boolean).map((line) => line.split(':')[1].trim().split('@')[0])
}

/** stdout and stderr of a container's log, interleaved as the engine has them. */
export async function containerLogs(id: string, engine: 'docker' | 'podman' = 'docker'): Promise<string> {
  const r = await execa(engine, ['logs', id], { reject: false, all: true })
  return String(r.all ?? '')
}

/**
 * Where compose finds a project's files: a compose file (relative to examples/),
 * or a working directory and compose options (`--env-file .env`, as mdc writes it).
 */
export type ComposeFiles = string | { cwd: string; args: string[] }

/** One compose project with its own project name. */
export class ComposeProject {
  readonly cwd?: string
  private readonly fileArgs: string[]

  constructor(
    readonly name: string,
    files: ComposeFiles,
    readonly env: Record<string, string | undefined> = {},
  ) {
    if (typeof files === 'string') this.fileArgs = ['-f', files.startsWith('/') ? files : EXAMPLES + files]
    else [this.cwd, this.fileArgs] = [files.cwd, files.args]
  }

  /** The environment compose (or mdc) runs with: the caller's own compose settings must not leak in. */
  composeEnv(): Record<string, string | undefined> {
    return { COMPOSE_FILE: undefined, COMPOSE_PROFILES: undefined, ...this.env, COMPOSE_PROJECT_NAME: this.name }
  }

  /** Run compose with this project's name, files and environment. */
  async compose(args: string[], allowFailure = false): Promise<RunResult> {
    const [file, ...pre] = await composeCommand()
    const r = await execa(file, [...pre, '-p', this.name, ...this.fileArgs, ...args], {
      cwd: this.cwd,
      env: this.composeEnv(),
      extendEnv: true,
      reject: false,
      timeout: 120_000,
    })
    const result = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 }
    if (result.exitCode !== 0 && !allowFailure) throw new Error(`compose ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`)
    return result
  }

  /** `up -d` (after removing leftovers of an earlier run), then wait for "All links connected". */
  async up(...args: string[]): Promise<void> {
    if ((await this.projectIds()).length) await this.down()
    await this.compose(['up', '-d', ...args])
    await this.waitForLog(ALL_CONNECTED)
  }

  /** compose down, then remove whatever of the project is left (by label). */
  async down(): Promise<void> {
    await this.compose(['down', '-v', '-t', '1', '--remove-orphans'], true)
    const left = await this.projectIds()
    if (left.length) await run(['docker', 'rm', '-f', ...left], { allowFailure: true })
  }

  /** Every container of the project, running or not. */
  async projectIds(): Promise<string[]> {
    const args = ['docker', 'ps', '-aq', '--filter', `label=com.docker.compose.project=${this.name}`]
    return (await run(args)).stdout.split('\n').filter(Boolean)
  }

  /** Container ids of a service (optionally one replica), by compose labels, newest first. */
  async ids(service: string, index?: number, all = false): Promise<string[]> {
    const filters = [`com.docker.compose.project=${this.name}`, `com.docker.compose.service=${service}`]
    if (index !== undefined) filters.push(`com.docker.compose.container-number=${index}`)
    const args = ['docker', 'ps', '-q', '--no-trunc', ...(all ? ['-a'] : []), ...filters.flatMap((f) => ['--filter', `label=${f}`])]
    return (await run(args)).stdout.split('\n').filter(Boolean)
  }

  async id(service: string, index = 1): Promise<string> {
    const [id] = await this.ids(service, index, true)
    if (!id) throw new Error(`no container for ${service} #${index} in project ${this.name}`)
    return id
  }

  async exec(service: string, argv: string[], index = 1): Promise<RunResult> {
    return dockerExec(await this.id(service, index), argv)
  }

  async ping(service: string, ip: string, index = 1, ms?: number): Promise<void> {
    await pingUntil(await this.id(service, index), ip, ms)
  }

  async logs(service = 'network'): Promise<string> {
    const ids = await this.ids(service, undefined, true)
    return ids.length ? containerLogs(ids[0]) : `(no ${service} container)`
  }

  /** Poll the network container's log for `text` (it must appear `count` times); fail at once if it exits. */
  async waitForLog(text: string, ms = 30_000, count = 1): Promise<string> {
    const id = await this.id('network')
    return waitUntil(`"${text}" in the ${this.name} network log`, ms, async () => {
      const logs = await containerLogs(id)
      if (logs.split(text).length - 1 >= count) return logs
      const state = (await run(['docker', 'inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', id])).stdout.trim().split(' ')
      if (state[0] !== 'true') throw new Error(`the ${this.name} network container exited (code ${state[1]}) before logging "${text}"`)
      return undefined
    }, 200)
  }

  /** Outer interface names in the network container's namespace. */
  async networkLinks(): Promise<string[]> {
    return linkNames(await containerPid(await this.id('network')))
  }
}

/**
 * A copy of an examples/ file, changed by `edit`, in a new temporary directory
 * (under the same name, since the network service mounts its own directory).
 * Returns the copy's path; the caller removes its directory.
 */
export function editedExample(file: string, edit: (doc: any) => void): string {
  const doc = jsYaml.load(readFileSync(EXAMPLES + file, 'utf8'))
  edit(doc)
  const path = join(mkdtempSync(join(tmpdir(), 'h6-example-')), basename(file))
  writeFileSync(path, jsYaml.dump(doc, { noRefs: true }))
  return path
}

/** Print `logs()` under a header when `fn` fails, then fail with the same error. */
export async function withLogs<T>(logs: () => Promise<string>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    const text = await logs().catch((e: Error) => `(logs unavailable: ${e.message})`)
    console.error(`----- network container log -----\n${text}\n----- end of log -----`)
    throw err
  }
}

/** An `it` whose failure prints the project's network container log. */
export function itLogs(p: ComposeProject, name: string, fn: (t: import('node:test').TestContext) => Promise<void>): void {
  it(name, (t) => withLogs(() => p.logs(), () => fn(t)))
}

/** The image's id in an engine, or undefined when it is missing there. */
export async function imageId(engine: 'docker' | 'podman', image: string): Promise<string | undefined> {
  const r = await run([engine, 'image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })
  return r.exitCode === 0 ? r.stdout.trim().replace(/^sha256:/, '') : undefined
}

/** Why Podman cannot be used here; loads the current conlink image into it when needed. */
export async function podmanUnusable(): Promise<string | undefined> {
  try {
    const [client] = await connectEngines({ dockerSocket: '/nonexistent/podman-only.sock', podmanSocket: PODMAN_SOCKET })
    if (client.kind !== 'podman') return `${PODMAN_SOCKET} reaches ${client.kind}`
  } catch {
    return `the Podman API does not answer on ${PODMAN_SOCKET} (scripts/testbed.sh starts it)`
  }
  if (!(await imageId('podman', TEST_IMAGE))) return `image ${TEST_IMAGE} is missing in podman (scripts/build-test-images.sh loads it)`
  const want = await imageId('docker', CONLINK_IMAGE)
  if ((await imageId('podman', CONLINK_IMAGE)) !== want) {
    const dir = mkdtempSync(join(tmpdir(), 'podman-image-'))
    try {
      await run(['docker', 'save', '-o', join(dir, 'conlink.tar'), CONLINK_IMAGE])
      await run(['podman', 'load', '-q', '-i', join(dir, 'conlink.tar')])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return undefined
}
