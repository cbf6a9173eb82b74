// The host-side launcher against the real Docker engine. The conlink image is
// replaced by h5-fake-conlink, whose `conlink` is a shell script that prints its
// arguments and the mounted config, then waits for SIGTERM (or exits with
// $FAKE_EXIT): that exercises run, log following, stop and removal for real.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { run } from '../../src/exec.js'
import { stopNetworkContainer, type LaunchOptions } from '../../src/launcher/index.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const FAKE_IMAGE = 'h5-fake-conlink'
const NAME = 'h5-conlink'
const DRIVER = fileURLToPath(new URL('./launcher-driver.ts', import.meta.url))
const FAKE_CONLINK = `#!/bin/sh
echo "fake conlink $*"
cat /conlink/config/*
[ -n "$FAKE_EXIT" ] && exit "$FAKE_EXIT"
trap 'echo "fake conlink stopping"; exit 0' TERM
while true; do sleep 1; done
`

const dir = mkdtempSync(join(tmpdir(), 'h5-launcher-'))
const netFile = join(dir, 'net.yaml')

function baseOptions(extra: Partial<LaunchOptions> = {}): LaunchOptions {
  return {
    composeFiles: [],
    networkFiles: [netFile],
    defaultBridgeMode: 'auto',
    defaultMtu: 65535,
    keepVethOffload: false,
    mode: 'docker',
    image: FAKE_IMAGE,
    name: NAME,
    stopTimeout: 5,
    ...extra,
  }
}

const launch = (opts: LaunchOptions) => execa('node', ['--import', 'tsx', DRIVER, JSON.stringify(opts)], { reject: false, all: true })

after(() => rmSync(dir, { recursive: true, force: true }))

for (const mode of ['docker', 'podman'] as const) describe(`launcher (${mode})`, () => {
  const exists = async (name: string) => (await run([mode, 'container', 'inspect', name], { allowFailure: true })).exitCode === 0
  const options = (extra: Partial<LaunchOptions> = {}) => baseOptions({ mode, ...extra })
  let skip = ''
  before(async () => {
    writeFileSync(netFile, 'links: [{container: h5-node, bridge: s1}]\n')
    if ((await run([mode, 'image', 'inspect', TEST_IMAGE], { allowFailure: true })).exitCode !== 0) {
      skip = `image ${TEST_IMAGE} is missing in ${mode} (scripts/build-test-images.sh builds it)`
      return console.log(`skipping ${mode} launcher tests: ${skip}`)
    }
    writeFileSync(join(dir, 'conlink'), FAKE_CONLINK, { mode: 0o755 })
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY conlink /bin/conlink\n`)
    await run([mode, 'build', '-q', '-t', FAKE_IMAGE, dir])
  })
  after(async () => {
    await run([mode, 'rm', '-f', NAME], { allowFailure: true })
    await run([mode, 'rmi', '-f', FAKE_IMAGE], { allowFailure: true })
  })

  it('--dry-run prints the command and starts nothing', async () => {
    const result = await launch(options({ dryRun: true, extraRunArgs: ['-e', 'NODE_NAME_1=a b'] }))
    assert.equal(result.exitCode, 0)
    // written out, not computed with buildRunArgs: a change to the run options must fail here
    const socket = mode === 'docker' ? '/var/run/docker.sock' : '/var/run/podman/podman.sock'
    const caps = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_NICE', 'NET_BROADCAST', 'IPC_LOCK', 'SYS_PTRACE'].map((c) => `--cap-add ${c}`).join(' ')
    assert.equal(
      result.stdout.trim(),
      `${mode} run -d --name h5-conlink --label conlink.role=network-container --pid host -v ${socket}:${socket} --network none ${caps} ` +
        `--security-opt apparmor=unconfined -v ${netFile}:/conlink/config/1-net.yaml:ro -e 'NODE_NAME_1=a b' h5-fake-conlink conlink up --network-file /conlink/config/1-net.yaml --inside`,
    )
    assert.match(result.stdout, new RegExp(`^${mode} run -d --name h5-conlink .* --pid host .*conlink up --network-file /conlink/config/1-net\\.yaml --inside$`, 'm'))
    assert.equal(await exists(NAME), false)
  })

  it('follows the log until the container exits, returns its code and removes it', async (t) => {
    if (skip) return t.skip(skip)
    const result = await launch(options({ extraRunArgs: ['-e', 'FAKE_EXIT=7'] }))
    assert.equal(result.exitCode, 7, result.all)
    assert.match(result.stdout, /fake conlink up --network-file \/conlink\/config\/1-net\.yaml --inside/)
    assert.match(result.stdout, /links: \[\{container: h5-node, bridge: s1\}\]/)
    assert.equal(await exists(NAME), false)
  })

  it('stops and removes the container on SIGTERM', async (t) => {
    if (skip) return t.skip(skip)
    const child = launch(options())
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('fake conlink up') && resolve())
    })
    child.kill('SIGTERM')
    const result = await child
    assert.equal(result.exitCode, 0, result.all)
    assert.match(result.stdout, /Received SIGTERM: stopping network container h5-conlink/)
    assert.match(result.stdout, /fake conlink stopping/)
    assert.equal(await exists(NAME), false)
  })

  it('--detach prints the id; a second launch names `conlink down`; down removes it', async (t) => {
    if (skip) return t.skip(skip)
    const first = await launch(options({ detach: true }))
    assert.equal(first.exitCode, 0, first.all)
    assert.match(first.stdout.trim(), /^[0-9a-f]{64}$/)
    assert.equal(await exists(NAME), true)

    const second = await launch(options({ detach: true }))
    assert.equal(second.exitCode, 1)
    assert.match(second.stderr, /a container named h5-conlink already exists \(stop it with `conlink down --name h5-conlink/)

    await stopNetworkContainer({ name: NAME, mode, stopTimeout: 5 })
    assert.equal(await exists(NAME), false)
  })

  it('down of a missing container says so', async () => {
    await assert.rejects(stopNetworkContainer({ name: 'h5-conlink-none', mode }), (err: Error & { hint?: string }) => {
      assert.match(err.message, /no container named h5-conlink-none/)
      assert.match(err.hint ?? '', mode === 'docker' ? /--mode podman/ : /--mode docker/)
      return true
    })
  })

  it('a missing image gets the `npm run image` hint', async () => {
    const result = await launch(options({ image: 'h5-no-such-image:latest', detach: true }))
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, new RegExp(`image h5-no-such-image:latest is not in the local ${mode} image store \\(build it with \`npm run image\``))
    assert.equal(await exists(NAME), false)
  })

  it('a missing config file is named before anything starts', async () => {
    const result = await launch(options({ networkFiles: [join(dir, 'nope.yaml')] }))
    assert.equal(result.exitCode, 1)
    assert.match(result.stderr, /nope\.yaml: config file not found/)
  })
})
