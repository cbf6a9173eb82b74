// Shared by the compose-tools e2e tests (T4 through mdc, T11): a compose
// project run with the real compose command, polling, the network container's
// log on failure, and teardown.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { composeCommand, mdcSettings } from '../../src/compose/mdc.js'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const MDC_BIN = `${REPO}bin/mdc.js`
const IMAGES = ['conlink:latest', 'conlink-test-node']

export interface Result {
  stdout: string
  stderr: string
  exitCode: number
}

/** argv only (no shell), never throws: the caller asserts on the result. */
export async function exec(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Result> {
  const r = await execa(argv[0], argv.slice(1), { cwd, env, reject: false, shell: false, timeout: timeoutMs, stdin: 'ignore' })
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 }
}

/** Why these tests cannot run here, or undefined when they can. */
export async function skipReason(): Promise<string | undefined> {
  if ((await exec(['docker', 'version'], REPO)).exitCode !== 0) return 'docker does not answer'
  for (const image of IMAGES) {
    if ((await exec(['docker', 'image', 'inspect', image], REPO)).exitCode !== 0) {
      return `image ${image} is missing (npm run image; scripts/build-test-images.sh)`
    }
  }
  const compose = await composeCommand(mdcSettings(process.env))
  if ((await exec([...compose, 'version'], REPO)).exitCode !== 0) return `${compose.join(' ')} does not answer`
  if (!existsSync(`${REPO}dist/commands/index.js`)) return 'dist/ is missing (npx tsc -p .)'
  return undefined
}

/**
 * One compose project: `compose` runs the compose command (v2 when
 * `docker compose` answers, else docker-compose v1) in `cwd` with `fileArgs`
 * (`--env-file .env` or `-f FILE`) and COMPOSE_PROJECT_NAME set.
 */
export class Project {
  private cmd?: string[]

  constructor(
    readonly name: string,
    readonly cwd: string,
    readonly fileArgs: string[],
    readonly env: NodeJS.ProcessEnv = {},
  ) {}

  get fullEnv(): NodeJS.ProcessEnv {
    // the caller's own compose settings must not leak in (undefined unsets)
    return { COMPOSE_FILE: undefined, COMPOSE_PROFILES: undefined, ...this.env, COMPOSE_PROJECT_NAME: this.name }
  }

  async compose(...args: string[]): Promise<Result> {
    this.cmd ??= await composeCommand(mdcSettings(this.fullEnv))
    return exec([...this.cmd, ...this.fileArgs, ...args], this.cwd, this.fullEnv)
  }

  /** `compose exec -T` in replica `index` of `service`. */
  exec(service: string, index: number, ...argv: string[]): Promise<Result> {
    return this.compose('exec', '-T', '--index', String(index), service, ...argv)
  }

  /** The network container's log (by label, so it works whatever the compose version). */
  async networkLog(): Promise<string> {
    const ids = await this.containerIds('network')
    const logs = await Promise.all(ids.map((id) => exec(['docker', 'logs', id], this.cwd)))
    return logs.map((l) => [l.stdout, l.stderr].filter(Boolean).join('\n')).join('\n') || '(no network container)'
  }

  async containerIds(service?: string): Promise<string[]> {
    const filters = ['--filter', `label=com.docker.compose.project=${this.name}`]
    if (service) filters.push('--filter', `label=com.docker.compose.service=${service}`)
    return (await exec(['docker', 'ps', '-aq', ...filters], this.cwd)).stdout.split(/\s+/).filter(Boolean)
  }

  /** Run `fn`; when it throws, print the network container's log first. */
  async withLog<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      console.log(`--- network container log (${this.name}) ---\n${await this.networkLog()}\n---`)
      throw err
    }
  }

  /** compose down, then remove anything of the project that is left (by label). */
  async teardown(): Promise<void> {
    await this.compose('down', '-t', '1', '-v', '--remove-orphans')
    const left = await this.containerIds()
    if (left.length) await exec(['docker', 'rm', '-f', ...left], this.cwd)
  }
}

/** Calls `check` every `intervalMs` until it returns a value other than undefined; rejects after `ms` with the last detail. */
export async function poll<T>(what: string, ms: number, check: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Polls a command in a container until it exits 0; the error carries its last output. */
export async function pollExec(p: Project, what: string, ms: number, service: string, index: number, ...argv: string[]): Promise<Result> {
  let last: Result | undefined
  try {
    return await poll(what, ms, async () => {
      last = await p.exec(service, index, ...argv)
      return last.exitCode === 0 ? last : undefined
    })
  } catch (err) {
    throw new Error(`${(err as Error).message}; last try: exit ${last?.exitCode}: ${last?.stdout}${last?.stderr}`)
  }
}
