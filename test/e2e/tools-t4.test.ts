// T4 end to end: the examples/test4 modes (plus the conlink mode) brought up
// through the real `mdc` command and compose, in a temporary working
// directory. The mode directories are copied there because the conlink mode
// mounts COMPOSE_DIR (that directory) into the network container, which must
// see every COMPOSE_FILE path at the same place.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execa } from 'execa'
import type { RunResult } from '../../src/exec.js'
import { ComposeProject, REPO, toolsPrerequisite, waitUntil, withLogs } from './compose.js'

const PING_MS = 20_000
const dir = mkdtempSync(join(tmpdir(), 'h7-t4-'))
const project = new ComposeProject(`h7t4${process.pid}`, { cwd: dir, args: ['--env-file', '.env'] }, { MODES_DIR: './modes:./examples/test4/modes' })
const withLog = <T>(fn: () => Promise<T>) => withLogs(() => project.logs(), fn)

async function mdc(...args: string[]): Promise<RunResult> {
  const r = await execa('node', [join(REPO, 'bin/mdc.js'), ...args], { cwd: dir, env: project.composeEnv(), reject: false, timeout: 120_000, stdin: 'ignore' })
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 }
}

/** Runs `argv` in replica `index` of `service` until it exits 0; the error carries its last output. */
async function pollExec(what: string, service: string, index: number, ...argv: string[]): Promise<RunResult> {
  return pollExecUntil(what, service, index, argv, () => true)
}

/** Like pollExec, until the output also passes `ready` (an interface exists a moment before its address). */
async function pollExecUntil(what: string, service: string, index: number, argv: string[], ready: (stdout: string) => boolean): Promise<RunResult> {
  let last: RunResult | undefined
  try {
    return await waitUntil(what, PING_MS, async () => {
      last = await project.exec(service, argv, index)
      return last.exitCode === 0 && ready(last.stdout) && last
    })
  } catch (err) {
    throw new Error(`${(err as Error).message}; last try: exit ${last?.exitCode}: ${last?.stdout}${last?.stderr}`)
  }
}

/** Runs mdc and checks it resolved `modes` and compose succeeded. */
async function mdcUp(modes: string, resolved: string, ...composeArgs: string[]): Promise<void> {
  const r = await mdc(modes, 'up', '-d', ...composeArgs)
  assert.equal(r.exitCode, 0, `mdc ${modes} up failed:\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stderr, new RegExp(`^MODES: ${resolved}$`, 'm'))
}

const ping = (service: string, index: number, ip: string) => project.ping(service, ip, index, PING_MS)

describe('T4 through mdc (examples/test4/modes)', () => {
  let skip: string | undefined
  before(async () => {
    skip = await toolsPrerequisite()
    if (skip) return console.log(`skipping T4 e2e: ${skip}`)
    cpSync(join(REPO, 'modes/conlink'), join(dir, 'modes/conlink'), { recursive: true })
    cpSync(join(REPO, 'examples/test4/modes'), join(dir, 'examples/test4/modes'), { recursive: true })
  })
  after(async () => {
    if (!skip) await project.down()
    rmSync(dir, { recursive: true, force: true })
  })

  it('mdc node1 up -d: node1 and r0 ping each other across r0', async (t) => {
    if (skip) return t.skip(skip)
    await mdcUp('node1', 'conlink base node1')
    const env = readFileSync(join(dir, '.env'), 'utf8')
    assert.match(env, new RegExp(`^COMPOSE_DIR=${dir}$`, 'm'))
    assert.match(env, /^COMPOSE_FILE=\.\/\.compose-empty\.yaml:\.\/modes\/conlink\/compose\.yaml:\.\/examples\/test4\/modes\/base\/compose\.yaml:\.\/examples\/test4\/modes\/node1\/compose\.yaml$/m)
    await withLog(async () => {
      await ping('node1', 1, '10.0.0.100') // r0's address on s0, through node1's default route
      await ping('r0', 1, '10.1.0.1')
    })
  })

  it('mdc node1,nodes2 up -d --force-recreate: both node2 replicas and node1 ping each other across r0', async (t) => {
    if (skip) return t.skip(skip)
    await mdcUp('node1,nodes2', 'conlink base node1 nodes2', '--force-recreate')
    await withLog(async () => {
      for (const index of [1, 2]) {
        const inet = new RegExp(`inet 10\\.2\\.0\\.${index}/16`)
        const addr = await pollExecUntil(`node2 ${index} eth0 address`, 'node2', index, ['ip', '-4', 'addr', 'show', 'eth0'], (out) => inet.test(out))
        assert.match(addr.stdout, inet, `node2 replica ${index}: ${addr.stdout}${addr.stderr}`)
        await ping('node2', index, '10.1.0.1')
        await ping('node1', 1, `10.2.0.${index}`)
      }
    })
  })

  it('mdc all up -d --force-recreate: node2 replica 2 downloads from the web server a command started on r0', async (t) => {
    if (skip) return t.skip(skip)
    await mdcUp('all', 'conlink base node1 nodes2 web all', '--force-recreate')
    await withLog(async () => {
      // busybox-static's `wget -T` crashes (exit 139): bound it with timeout instead
      const r = await pollExec('wget from r0', 'node2', 2, 'timeout', '5', 'wget', '-q', '-O-', 'http://10.2.0.100/')
      assert.equal(r.stdout.trim(), 'hello from r0')
      await ping('node1', 1, '10.2.0.2')
    })
  })
})
