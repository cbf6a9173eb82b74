import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildRunArgs, configMounts, containerName, type RunArgsOptions } from '../../src/launcher/index.js'
import { quoteArg, quoteCommand } from '../../src/launcher/quote.js'

const base: RunArgsOptions = {
  composeFiles: [],
  networkFiles: ['net.yaml'],
  defaultBridgeMode: 'auto',
  defaultMtu: 65535,
  keepVethOffload: false,
  mode: 'docker',
  image: 'conlink:latest',
  name: 'conlink',
  privileged: false,
  cwd: '/work/proj',
}

const CAPS = ['--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_NICE', '--cap-add', 'NET_BROADCAST', '--cap-add', 'IPC_LOCK', '--cap-add', 'SYS_PTRACE']

describe('buildRunArgs', () => {
  it('builds the docker run command for a network file', () => {
    assert.deepEqual(buildRunArgs(base), [
      'docker', 'run', '-d', '--name', 'conlink', '--label', 'conlink.role=network-container',
      '--pid', 'host', '-v', '/var/run/docker.sock:/var/run/docker.sock',
      '--network', 'none', ...CAPS, '--security-opt', 'apparmor=unconfined',
      '-v', '/work/proj/net.yaml:/conlink/config/1-net.yaml:ro',
      'conlink:latest',
      'conlink', 'up', '--network-file', '/conlink/config/1-net.yaml', '--inside',
    ])
  })

  it('mounts a --config-schema file and passes it to the inner conlink up', () => {
    const argv = buildRunArgs({ ...base, configSchema: 'schemas/my.yaml' })
    const image = argv.indexOf('conlink:latest')
    assert.deepEqual(argv.slice(image - 2, image), ['-v', '/work/proj/schemas/my.yaml:/conlink/config/schema-my.yaml:ro'])
    assert.deepEqual(argv.slice(image + 1), ['conlink', 'up', '--network-file', '/conlink/config/1-net.yaml', '--config-schema', '/conlink/config/schema-my.yaml', '--inside'])
  })

  it('mounts compose files then network files, splitting colon lists, and passes flags through', () => {
    const argv = buildRunArgs({
      ...base,
      composeFiles: ['a/compose.yaml:/abs/b.yaml'],
      networkFiles: ['net.yaml', 'x/net.yaml'],
      defaultBridgeMode: 'linux',
      defaultMtu: 9000,
      keepVethOffload: true,
      composeProject: 'proj',
      verbose: true,
      network: 'bridge',
      image: 'my/conlink:1',
      name: 'net1',
      extraRunArgs: ['-e', 'NODE_NAME_1=n1', '--rm'],
    })
    const image = argv.indexOf('my/conlink:1')
    assert.deepEqual(argv.slice(image - 11, image), [
      '-v', '/work/proj/a/compose.yaml:/conlink/config/1-compose.yaml:ro',
      '-v', '/abs/b.yaml:/conlink/config/2-b.yaml:ro',
      '-v', '/work/proj/net.yaml:/conlink/config/3-net.yaml:ro',
      '-v', '/work/proj/x/net.yaml:/conlink/config/4-net.yaml:ro',
      '-e', 'NODE_NAME_1=n1', '--rm',
    ])
    assert.deepEqual(argv.slice(image + 1), [
      'conlink', 'up', '-v',
      '--compose-file', '/conlink/config/1-compose.yaml',
      '--compose-file', '/conlink/config/2-b.yaml',
      '--network-file', '/conlink/config/3-net.yaml',
      '--network-file', '/conlink/config/4-net.yaml',
      '--compose-project', 'proj',
      '--default-bridge-mode', 'linux', '--default-mtu', '9000', '--keep-veth-offload',
      '--inside',
    ])
    assert.deepEqual(argv.slice(argv.indexOf('--network'), argv.indexOf('--network') + 2), ['--network', 'bridge'])
    assert.ok(argv.includes('net1'))
  })

  it('passes a non-default control socket to the inner conlink up, and not the default one', () => {
    const custom = buildRunArgs({ ...base, controlSocket: '/run/lab/api.sock' })
    assert.deepEqual(custom.slice(-3), ['--control-socket', '/run/lab/api.sock', '--inside'])
    assert.ok(!buildRunArgs({ ...base, controlSocket: '/run/conlink/control.sock' }).includes('--control-socket'))
    assert.deepEqual(buildRunArgs({ ...base, controlSocket: 'none' }).slice(-3), ['--control-socket', 'none', '--inside'])
  })

  it('runs with podman and mounts the podman socket for host-mode podman', () => {
    const argv = buildRunArgs({ ...base, mode: 'podman' })
    assert.equal(argv[0], 'podman')
    assert.deepEqual(argv.slice(7, 11), ['--pid', 'host', '-v', '/var/run/podman/podman.sock:/var/run/podman/podman.sock'])
  })

  it('lets mode and host-mode differ, with custom host socket paths', () => {
    const argv = buildRunArgs({ ...base, mode: 'podman', hostMode: 'docker', dockerSocket: '/run/user/docker.sock' })
    assert.equal(argv[0], 'podman')
    assert.ok(argv.includes('/run/user/docker.sock:/var/run/docker.sock'))
    assert.ok(!argv.some((a) => a.includes('podman.sock')))
  })

  it('mounts no socket and shares no pid namespace for host-mode none', () => {
    const argv = buildRunArgs({ ...base, hostMode: 'none' })
    assert.ok(!argv.includes('--pid'))
    assert.ok(!argv.some((a) => a.endsWith('.sock')))
  })

  it('uses --privileged instead of capabilities when asked (rootless)', () => {
    const argv = buildRunArgs({ ...base, privileged: true })
    assert.ok(argv.includes('--privileged'))
    assert.ok(!argv.includes('--cap-add'))
  })

  it('leaves --name to the extra run options when they set one', () => {
    const opts = { ...base, extraRunArgs: ['--name', 'ZZZ_network', '--rm'] }
    const argv = buildRunArgs(opts)
    assert.equal(argv.filter((a) => a === '--name').length, 1)
    assert.equal(containerName(opts), 'ZZZ_network')
    assert.equal(containerName({ name: 'c', extraRunArgs: ['--name=x'] }), 'x')
    assert.equal(containerName({ name: 'c' }), 'c')
  })

  it('keeps hostile file names as single arguments', () => {
    const argv = buildRunArgs({ ...base, networkFiles: ["n e t'; touch x.yaml"] })
    assert.ok(argv.includes("/work/proj/n e t'; touch x.yaml:/conlink/config/1-n e t'; touch x.yaml:ro"))
  })
})

describe('configMounts', () => {
  it('gives nothing without files', () => {
    assert.deepEqual(configMounts({ composeFiles: [], networkFiles: [] }), [])
  })
})

describe('quote (display only)', () => {
  it('leaves plain words alone', () => {
    assert.equal(quoteArg('--cap-add'), '--cap-add')
    assert.equal(quoteArg('/a/b.yaml:/conlink/config/1-b.yaml:ro'), '/a/b.yaml:/conlink/config/1-b.yaml:ro')
  })
  it('single-quotes the rest, escaping single quotes', () => {
    assert.equal(quoteArg(''), "''")
    assert.equal(quoteArg('a b'), "'a b'")
    assert.equal(quoteArg("it's"), "'it'\\''s'")
    assert.equal(quoteArg('$HOME;rm'), "'$HOME;rm'")
    assert.equal(quoteCommand(['docker', 'run', '-e', 'A=b c']), "docker run -e 'A=b c'")
  })
})
