// The launcher under rootless Podman: the network container's argv, where the
// user's socket is looked for, and the temporary `podman system service`
// (started and stopped for real, with a stand-in `podman` that serves the
// API's /_ping on the socket it is given).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  buildRunArgs,
  isRootless,
  launchNetworkContainer,
  podmanServiceArgv,
  rootlessDefaultNetwork,
  rootlessPodmanSocket,
  ROOTLESS_NETWORK,
  serviceFiles,
  startPodmanService,
  stopPodmanService,
  userPodmanSocket,
  type RunArgsOptions,
} from '../../src/launcher/index.js'

const tmp = mkdtempSync(join(tmpdir(), 'launcher-rootless-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const t3: RunArgsOptions = {
  composeFiles: [],
  networkFiles: ['examples/test3-network.yaml'],
  defaultBridgeMode: 'auto',
  defaultMtu: 65535,
  keepVethOffload: false,
  mode: 'podman',
  hostMode: 'podman',
  image: 'conlink:latest',
  name: 'conlink',
  verbose: true,
  rootless: true,
  privileged: true,
  podmanSocket: '/run/user/1000/conlink/ZZZ_network.podman.sock',
  cwd: '/home/me/conlink',
  extraRunArgs: ['--name', 'ZZZ_network', '--rm', '-e', 'NODE_NAME_1=ZZZ_node_1', '-e', 'NODE_NAME_2=ZZZ_node_2'],
}

describe('rootless Podman: the network container argv', () => {
  it('test3 rootless: privileged, pid host, the user socket, the slirp4netns network', () => {
    assert.deepEqual(buildRunArgs(t3), [
      'podman', 'run', '-d', '--label', 'conlink.role=network-container',
      '--pid', 'host', '-v', '/run/user/1000/conlink/ZZZ_network.podman.sock:/var/run/podman/podman.sock',
      '--network', 'slirp4netns:port_handler=slirp4netns',
      '--privileged',
      '--security-opt', 'apparmor=unconfined',
      '-v', '/home/me/conlink/examples/test3-network.yaml:/conlink/config/1-test3-network.yaml:ro',
      '--name', 'ZZZ_network', '--rm', '-e', 'NODE_NAME_1=ZZZ_node_1', '-e', 'NODE_NAME_2=ZZZ_node_2',
      'conlink:latest',
      'conlink', 'up', '-v', '--network-file', '/conlink/config/1-test3-network.yaml', '--inside',
    ])
  })

  it('an explicit --network wins; rootful Podman keeps network none and the capabilities', () => {
    const own = buildRunArgs({ ...t3, network: 'mynet' })
    assert.equal(own[own.indexOf('--network') + 1], 'mynet')
    const rootful = buildRunArgs({ ...t3, rootless: false, privileged: false, podmanSocket: undefined })
    assert.equal(rootful[rootful.indexOf('--network') + 1], 'none')
    assert.ok(!rootful.includes('--privileged') && rootful.includes('--cap-add'))
    assert.ok(rootful.includes('/var/run/podman/podman.sock:/var/run/podman/podman.sock'))
  })

  it('the default rootless network: slirp4netns when /dev/net/tun is usable, else none', () => {
    const tun = join(tmp, 'tun')
    writeFileSync(tun, '')
    chmodSync(tun, 0o600)
    assert.equal(rootlessDefaultNetwork(tun), 'slirp4netns:port_handler=slirp4netns')
    assert.equal(rootlessDefaultNetwork(join(tmp, 'no-such-tun')), 'none')
  })

  it('--host-pid is passed on to the inner conlink up when not 1', () => {
    const inner = (argv: string[]) => argv.slice(argv.indexOf('conlink:latest') + 1)
    assert.deepEqual(inner(buildRunArgs({ ...t3, hostPid: 4242 })).slice(-3), ['--host-pid', '4242', '--inside'])
    assert.ok(!inner(buildRunArgs({ ...t3, hostPid: 1 })).includes('--host-pid'))
  })

  it('rootless means Podman run by a user other than root', () => {
    assert.equal(isRootless('podman', 1000), true)
    assert.equal(isRootless('podman', 0), false)
    assert.equal(isRootless('docker', 1000), false)
    assert.equal(ROOTLESS_NETWORK, 'slirp4netns:port_handler=slirp4netns')
  })
})

describe('rootless Podman: sockets and the temporary service', () => {
  it('looks for the user socket in XDG_RUNTIME_DIR, else /run/user/UID', () => {
    assert.equal(userPodmanSocket({ XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/podman/podman.sock')
    assert.equal(userPodmanSocket({}, 1234), '/run/user/1234/podman/podman.sock')
    assert.deepEqual(serviceFiles('ZZZ network/x', { XDG_RUNTIME_DIR: '/r' }), {
      socket: '/r/conlink/ZZZ_network_x.podman.sock',
      pidFile: '/r/conlink/ZZZ_network_x.podman-service.pid',
      logFile: '/r/conlink/ZZZ_network_x.podman-service.log',
    })
    assert.deepEqual(podmanServiceArgv('/r/s.sock'), ['podman', 'system', 'service', '--time=0', 'unix:///r/s.sock'])
  })

  it('uses the user socket when it answers, else plans a temporary service', async () => {
    const runtime = join(tmp, 'runtime-own')
    mkdirSync(join(runtime, 'podman'), { recursive: true })
    const planned = await rootlessPodmanSocket('ZZZ_network', { XDG_RUNTIME_DIR: runtime })
    assert.equal(planned.socket, join(runtime, 'conlink', 'ZZZ_network.podman.sock'))
    assert.deepEqual(planned.serviceArgv, podmanServiceArgv(planned.socket))
    const server = await pingServer(join(runtime, 'podman', 'podman.sock'))
    try {
      const own = await rootlessPodmanSocket('ZZZ_network', { XDG_RUNTIME_DIR: runtime })
      assert.equal(own.socket, join(runtime, 'podman', 'podman.sock'))
      assert.equal(own.serviceArgv, undefined)
    } finally {
      server.close()
    }
  })

  it('dry run prints the service it would start, then the run command', async () => {
    const runtime = join(tmp, 'runtime-dry')
    const printed = await captureStdout(() =>
      withEnv({ XDG_RUNTIME_DIR: runtime }, () => launchNetworkContainer({ ...t3, podmanSocket: undefined, dryRun: true })),
    )
    const [service, run] = printed.trim().split('\n')
    assert.equal(service, `podman system service --time=0 unix://${runtime}/conlink/ZZZ_network.podman.sock &`)
    assert.match(run, new RegExp(`^podman run -d .*-v ${runtime}/conlink/ZZZ_network\\.podman\\.sock:/var/run/podman/podman\\.sock --network \\S+ --privileged `))
  })

  it('starts the service, waits for its socket, and stops it, leaving nothing behind', async () => {
    const runtime = join(tmp, 'runtime-service')
    const files = serviceFiles('ZZZ_network', { XDG_RUNTIME_DIR: runtime })
    await withEnv({ PATH: `${fakePodmanDir()}:${process.env.PATH}` }, () => startPodmanService(files))
    assert.ok(existsSync(files.socket) && existsSync(files.pidFile))
    assert.equal(statSync(join(runtime, 'conlink')).mode & 0o777, 0o700)
    assert.equal(await stopPodmanService(files), true)
    for (const f of Object.values(files)) assert.ok(!existsSync(f), `${f} removed`)
    assert.equal(await stopPodmanService(files), false, 'stopping twice is harmless')
  })

  it('never kills a process that is not the service (a stale pid file)', async () => {
    const runtime = join(tmp, 'runtime-stale')
    const files = serviceFiles('ZZZ_network', { XDG_RUNTIME_DIR: runtime })
    mkdirSync(join(runtime, 'conlink'), { recursive: true, mode: 0o700 })
    const other = spawn('sleep', ['30'], { stdio: 'ignore' })
    try {
      writeFileSync(files.pidFile, `${other.pid}\n`)
      assert.equal(await stopPodmanService(files), false)
      assert.equal(other.exitCode, null)
      assert.ok(existsSync(`/proc/${other.pid}`), 'the other process lives')
      assert.ok(!existsSync(files.pidFile), 'the stale pid file is removed')
    } finally {
      other.kill()
    }
  })

  it('refuses a runtime directory that others can use', async () => {
    const runtime = join(tmp, 'runtime-open')
    mkdirSync(join(runtime, 'conlink'), { recursive: true })
    chmodSync(join(runtime, 'conlink'), 0o777)
    const files = serviceFiles('ZZZ_network', { XDG_RUNTIME_DIR: runtime })
    await assert.rejects(startPodmanService(files), /is not a private directory of this user/)
  })
})

/** A stand-in `podman` on PATH: `podman system service --time=0 unix://SOCK` answers /_ping on SOCK. */
function fakePodmanDir(): string {
  const dir = join(tmp, 'fake-bin')
  mkdirSync(dir, { recursive: true })
  const script = `#!${process.execPath}
const path = process.argv.at(-1).replace(/^unix:\\/\\//, '')
require('node:http').createServer((req, res) => res.end('OK')).listen(path)
process.on('SIGTERM', () => process.exit(0))
`
  writeFileSync(join(dir, 'podman'), script)
  chmodSync(join(dir, 'podman'), 0o755)
  return dir
}

function pingServer(path: string): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.end('OK'))
    server.listen(path, () => resolve(server))
  })
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout)
  let out = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    await fn()
  } finally {
    process.stdout.write = write
  }
  return out
}
