// `conlink up` under bad input and faults: a config error or a missing engine
// socket at start-up exits non-zero with a clear message and creates nothing;
// containers that die while their links are being made leave no outer ends
// behind. (A second `conlink up` on the same bridges: see up-t1.test.ts.)
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { run } from '../../src/exec.js'
import { CONLINK_IMAGE, ComposeProject, containerPid, itLogs, linkNames, missingPrerequisite, waitUntil } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const skip = await missingPrerequisite()
const SLEEPER = 'h6-faults-ns'
const CAPS = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_NICE', 'NET_BROADCAST', 'IPC_LOCK'].flatMap((c) => ['--cap-add', c])

describe('conlink up: start-up errors create nothing', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'h6-faults-'))
  let sleeperPid = 0
  before(async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'links:\n  - {container: h6-none, bridge: h6s1, ip: 10.0.0.300/24}\n')
    writeFileSync(join(dir, 'good.yaml'), 'links:\n  - {container: h6-none, bridge: h6s1, ip: 10.0.0.1/24}\n')
    await run(['docker', 'rm', '-f', SLEEPER], { allowFailure: true })
    await run(['docker', 'run', '-d', '--network', 'none', '--name', SLEEPER, TEST_IMAGE, 'sleep', '600'])
    sleeperPid = await containerPid(SLEEPER)
  })
  after(async () => {
    await run(['docker', 'rm', '-f', SLEEPER], { allowFailure: true })
    rmSync(dir, { recursive: true, force: true })
  })

  /** The conlink image, in the sleeper's network namespace (so whatever it creates stays visible). */
  const conlinkUp = (mounts: string[], file: string) =>
    run(['docker', 'run', '--rm', '--network', `container:${SLEEPER}`, ...CAPS, '-v', `${dir}:/x:ro`, ...mounts,
      CONLINK_IMAGE, 'conlink', 'up', '--inside', '--network-file', `/x/${file}`], { allowFailure: true, timeoutMs: 30_000 })

  it('a config error names the file and path and exits non-zero', async () => {
    const r = await conlinkUp(['-v', '/var/run/docker.sock:/var/run/docker.sock'], 'bad.yaml')
    assert.notEqual(r.exitCode, 0)
    assert.match(r.stderr, /\/x\/bad\.yaml: links\[0\]\.ip/)
    assert.deepEqual(await linkNames(sleeperPid), ['lo'])
  })

  it('without an engine socket it exits non-zero with the hint to mount it', async () => {
    const r = await conlinkUp([], 'good.yaml')
    assert.notEqual(r.exitCode, 0)
    assert.match(r.stderr, /no container engine answers/)
    assert.match(r.stderr, /mount \/var\/run\/docker\.sock/)
    assert.deepEqual(await linkNames(sleeperPid), ['lo'])
  })
})

describe('conlink up: containers dying while being wired leave nothing behind', { skip }, () => {
  const p = new ComposeProject('h6faults', fileURLToPath(new URL('../fixtures/up-faults-compose.yaml', import.meta.url)))
  before(async () => {
    if ((await p.projectIds()).length) await p.down()
    await p.compose(['up', '-d'])
  })
  after(() => p.down())

  const restarts = async (id: string) => Number((await run(['docker', 'inspect', '-f', '{{.RestartCount}}', id])).stdout)
  const expected = ['lo', 's1', 's2', 'stable_1-eth0', 'victim_1-eth0', 'victim_1-eth1']

  itLogs(p, 'after restart loops and kill -9 right after start, only running containers have outer ends', async () => {
    await waitUntil('stable wired', 20_000, async () => (await p.networkLinks()).includes('stable_1-eth0'))
    const victim = await p.id('victim')
    for (let i = 0; i < 6; i++) {
      await run(['docker', 'kill', '-s', 'KILL', victim], { allowFailure: true })
      await run(['docker', 'start', victim])
    }
    await run(['docker', 'kill', '-s', 'KILL', victim])
    const flappy = await p.ids('flappy', undefined, true)
    await waitUntil('flappy restarted 4 times', 20_000, async () => (await Promise.all(flappy.map(restarts))).every((n) => n >= 4))
    await p.compose(['stop', '-t', '0', 'flappy'])
    await run(['docker', 'start', victim])

    let links: string[] = []
    await waitUntil(`outer ends ${expected.join(' ')}`, 15_000, async () => {
      links = (await p.networkLinks()).sort()
      return links.join(' ') === expected.join(' ')
    }).catch((err: Error) => assert.fail(`${err.message}; found: ${links.join(' ')}`))
    await p.ping('victim', '10.60.0.1')
  })
})
