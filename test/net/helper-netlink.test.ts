// The job helper does an `ip -force -batch -` of veth creation, addresses,
// up, simple routes and deletion over rtnetlink itself, in its own process.
// Each case runs the same batch through the helper in one namespace and
// through the ip program in another, and compares what they print, their
// exit status and the state they leave. The helper here finds no `ip` on its
// PATH, so a batch it passes on to the program fails: a green case proves it
// was done without the program.
import assert from 'node:assert/strict'
import { mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { processRunner, run } from '../../src/exec.js'
import { alreadyGone } from '../../src/net/kernel-errors.js'
import { JobRunner } from '../../src/net/spawner.js'
import { goneNamespace, startContainer, type FakeContainer } from './ns.js'

const started: FakeContainer[] = []
const binDir = mkdtempSync(join(tmpdir(), 'conlink-helper-path-'))
let helper: JobRunner
after(() => {
  started.forEach((c) => c.kill())
  rmSync(binDir, { recursive: true, force: true })
})

before(async () => {
  // a PATH with perl and nothing else, while the helper starts
  symlinkSync((await run(['sh', '-c', 'command -v perl'])).stdout.trim(), join(binDir, 'perl'))
  const path = process.env.PATH
  process.env.PATH = binDir
  try {
    helper = new JobRunner()
    await helper.run(['perl', '-e', '1'])
  } finally {
    process.env.PATH = path
  }
})

/** A namespace with eth0 (a veth whose peer stays down) and fixed MACs, so both sides start the same. */
async function namespaceWithEth0(name: string): Promise<string> {
  const c = await startContainer(name)
  started.push(c)
  const netns = `/proc/${c.pid}/ns/net`
  await processRunner.run(['ip', 'link', 'add', 'eth0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'peer0', 'address', '02:00:00:00:00:02'], { netns })
  return netns
}

/** Addresses and routes, once the kernel has settled the operational state of eth0 (it does so asynchronously). */
async function state(netns: string): Promise<string> {
  const show = async (argv: string[]) => (await processRunner.run(['ip', ...argv], { netns })).stdout
  for (let i = 0; i < 300 && /^\d+: (?!lo:)[^ ]+ <[^>]*\bUP\b.*state UNKNOWN/m.test(await show(['link', 'show'])); i++) await new Promise((r) => setTimeout(r, 10))
  // a MAC the kernel chose at random differs between the two sides
  const addresses = (await show(['addr', 'show'])).replace(/link\/ether (?!02:00:)\S+ /g, 'link/ether RANDOM ')
  return withoutCarrierTiming([addresses, await show(['-4', 'route', 'show', 'table', 'all']), await show(['-6', 'route', 'show', 'table', 'all'])].join('\n---\n'))
}

/**
 * A bridge's carrier goes off through the kernel's link watch, up to a second
 * after it is set up; whether IPv6 saw it on meanwhile decides if it got a
 * link-local address and its routes. That race is in the test's own set-up, so
 * the comparison leaves out operational state and link-local IPv6.
 */
function withoutCarrierTiming(text: string): string {
  return text
    .replace(/\bNO-CARRIER,|,LOWER_UP\b| state [A-Z]+/g, '')
    .replace(/^ +inet6 fe80:.*\n.*\n/gm, '')
    .replace(/^.*\b(fe80:|ff00::\/8)\S* .*\n/gm, '')
}

/** Runs `batch` through the helper and through ip; asserts they agree and returns the helper's result. */
async function same(name: string, batch: string[], prepare: string[][] = [], runner = helper) {
  const [a, b] = [await namespaceWithEth0(`${name}-h`), await namespaceWithEth0(`${name}-ip`)]
  for (const netns of [a, b]) for (const argv of prepare) await processRunner.run(argv, { netns })
  const input = batch.join('\n') + '\n'
  const viaHelper = await runner.run(['ip', '-force', '-batch', '-'], { netns: a, input, allowFailure: true })
  const viaIp = await processRunner.run(['ip', '-force', '-batch', '-'], { netns: b, input, allowFailure: true })
  assert.equal(viaHelper.stderr, viaIp.stderr)
  assert.equal(viaHelper.exitCode, viaIp.exitCode)
  assert.equal(await state(a), await state(b))
  return viaHelper
}

/** A network namespace with bridge br0 and a container namespace with nothing in it, for veth creation. */
async function networkAndContainer(name: string): Promise<{ netns: string; pid: number }> {
  const [net, c] = [await startContainer(`${name}-net`), await startContainer(`${name}-c`)]
  started.push(net, c)
  const netns = `/proc/${net.pid}/ns/net`
  await processRunner.run(['ip', '-batch', '-'], { netns, input: 'link add br0 address 02:00:00:00:0b:01 type bridge\nlink set dev br0 up\n' })
  return { netns, pid: c.pid }
}

/** The same as `same`, for batches in the network namespace that make veths into the container (`PID` in a line is its pid). */
async function sameVeth(name: string, batch: string[]) {
  const [a, b] = [await networkAndContainer(`${name}-h`), await networkAndContainer(`${name}-ip`)]
  const input = (pid: number) => batch.map((line) => line.replace('PID', String(pid))).join('\n') + '\n'
  const viaHelper = await helper.run(['ip', '-force', '-batch', '-'], { netns: a.netns, input: input(a.pid), allowFailure: true })
  const viaIp = await processRunner.run(['ip', '-force', '-batch', '-'], { netns: b.netns, input: input(b.pid), allowFailure: true })
  assert.equal(viaHelper.stderr, viaIp.stderr)
  assert.equal(viaHelper.exitCode, viaIp.exitCode)
  assert.equal(await state(a.netns), await state(b.netns))
  assert.equal(await state(`/proc/${a.pid}/ns/net`), await state(`/proc/${b.pid}/ns/net`))
  return { ...viaHelper, pid: a.pid, netns: a.netns }
}

test('veths made on a bridge, up, with the peer in the container (name, MAC, MTU, queues), and deleted, as ip makes them', async () => {
  const r = await sameVeth('h2nl-veth', [
    'link add name h2o1 mtu 1400 master br0 numtxqueues 1 numrxqueues 1 up type veth peer name eth0 address 02:00:00:00:01:01 mtu 1400 numtxqueues 1 numrxqueues 1 netns PID',
    'link add name h2o2 up type veth peer name eth1 netns PID',
    'link add name h2o3 master br0 numtxqueues 2 numrxqueues 3 up type veth peer name eth2 address 02:00:00:00:01:03 numtxqueues 3 numrxqueues 2 netns PID',
    'link add name h2o4 up type veth peer name eth3 netns PID',
    'link del dev h2o4',
  ])
  assert.equal(r.exitCode, 0)
  const linkInContainer = async (dev: string) => (await processRunner.run(['ip', '-d', '-o', 'link', 'show', dev], { netns: `/proc/${r.pid}/ns/net` })).stdout
  assert.match(await linkInContainer('eth0'), /mtu 1400 .*link\/ether 02:00:00:00:01:01 .* numtxqueues 1 numrxqueues 1 /)
  assert.match(await linkInContainer('eth2'), / numtxqueues 3 numrxqueues 2 /)
  assert.match(await linkInContainer('eth1'), / numtxqueues (\d+) numrxqueues \1 /, "without queues, the kernel's own count")
  const outer = (await processRunner.run(['ip', '-d', '-o', 'link', 'show', 'h2o3'], { netns: r.netns })).stdout
  assert.match(outer, / numtxqueues 2 numrxqueues 3 /)
})

test('veth failures: a name taken, in the network namespace or the container, a process that is gone, a device to delete that is not there', async () => {
  const r = await sameVeth('h2nl-vethf', [
    'link add name h2o1 up type veth peer name eth0 netns PID',
    'link add name h2o1 up type veth peer name eth1 netns PID',
    'link add name h2o2 up type veth peer name eth0 netns PID',
    'link add name h2o3 up type veth peer name eth3 netns 999999999',
    'link add name h2o4 mtu 100000 up type veth peer name eth4 netns PID',
    'link del dev nosuch0',
  ])
  assert.equal(r.exitCode, 1)
  assert.match(r.stderr, /^RTNETLINK answers: File exists\nCommand failed -:2$/m)
  assert.match(r.stderr, /^Cannot find device "nosuch0"\nCommand failed -:6$/m)
})

test('a bridge that is not there: ip gives up on the batch (exit 255, no line after it runs), and so does the helper', async () => {
  const r = await sameVeth('h2nl-vethb', [
    'link add name h2o1 up type veth peer name eth0 netns PID',
    'link add name h2o2 master nosuch0 up type veth peer name eth1 netns PID',
    'link add name h2o3 up type veth peer name eth2 netns PID',
  ])
  assert.equal(r.exitCode, 255)
  assert.equal(r.stderr, 'Error: argument "nosuch0" is wrong: Device does not exist\n')
})

const WORKING_BATCHES: Record<string, string[]> = {
  'IPv4 addresses, up and routes (gateway, none, host, default)': [
    'addr add 10.0.0.2/24 dev eth0', 'addr add 10.9.9.9 dev eth0', 'addr add 127.0.0.5/8 dev eth0', 'link set dev eth0 up',
    'route add 10.1.0.0/16 via 10.0.0.1 dev eth0', 'route add 192.168.7.7 dev eth0', 'route add 172.16.0.0/12 dev eth0',
    'route add default via 10.0.0.254 dev eth0',
  ],
  'IPv6 addresses (nodad and not), up and routes': [
    'addr add fd00::2/64 dev eth0 nodad', 'addr add fd00:1::2/64 dev eth0', 'addr add fd00:2::2 dev eth0 nodad', 'link set dev eth0 up',
    'route add fd01::/48 via fd00::1 dev eth0', 'route add fd02::/64 dev eth0', 'route add default via fd00::fe dev eth0',
  ],
}
for (const [what, batch] of Object.entries(WORKING_BATCHES))
  test(`${what} leave what ip leaves`, async () => {
    assert.equal((await same(`h2nl-${what.slice(0, 4).toLowerCase()}`, batch)).exitCode, 0)
  })

test('failing lines: the same messages and line numbers as ip, and -force goes on', async () => {
  const r = await same('h2nl-err', [
    'addr add 10.0.0.2/24 dev eth0',
    'addr add 10.0.0.2/24 dev eth0',
    'addr add 10.0.0.3/24 dev nosuch0',
    'link set dev nosuch0 up',
    'route add 10.5.0.0/16 via 10.0.0.1 dev eth0',
    'link set dev eth0 up',
    'route add 10.1.0.0/16 via 10.99.0.1 dev eth0',
    'route add 10.2.3.4/16 dev eth0',
    'route add 10.1.0.0/16 via 10.0.0.1 dev eth0',
    'route add 10.1.0.0/16 via 10.0.0.1 dev eth0',
  ])
  assert.equal(r.exitCode, 1)
  assert.match(r.stderr, /^Error: ipv4: Address already assigned\.\nCommand failed -:2$/m)
  assert.match(r.stderr, /^RTNETLINK answers: File exists\nCommand failed -:10$/m)
  assert.match(r.stderr, /^Cannot find device "nosuch0"\nCommand failed -:3$/m)
  assert.match(r.stderr, /^Error: Nexthop has invalid gateway\.\nCommand failed -:7$/m)
})

test('IPv6 switched off on the device: the kernel\'s message, as ip prints it', async () => {
  const r = await same('h2nl-no6', ['addr add fd00::2/64 dev eth0 nodad', 'link set dev eth0 up'], [['sysctl', '-qw', 'net.ipv6.conf.eth0.disable_ipv6=1']])
  assert.match(r.stderr, /^Error: ipv6: IPv6 is disabled on this device\.\nCommand failed -:1$/m)
})

test('a batch with one line outside the helper\'s grammar goes to the ip program', async () => {
  const netns = await namespaceWithEth0('h2nl-other')
  const batch = 'addr add 10.0.0.2/24 dev eth0\nlink set dev eth0 up\nroute add 10.3.0.0/16 metric 5 dev eth0\n'
  const r = await helper.run(['ip', '-force', '-batch', '-'], { netns, input: batch, allowFailure: true })
  assert.equal(r.exitCode, 127)
  assert.match(r.stderr, /cannot run ip/)
  assert.equal(await state(netns), await state(await namespaceWithEth0('h2nl-other2')), 'nothing applied before the program was to run')
  for (const line of ['link set dev eth0 mtu 1400', 'addr add 10.0.0.2/24 dev eth0 nodad extra', 'addr add 10.0.0.256/24 dev eth0', 'addr add 10.0.0.2/33 dev eth0',
    'route add 10.0.0.0/8 via 10.0.0.1/32 dev eth0', 'route add fd03::/64 via 10.0.0.1 dev eth0',
    'link add name h2o1 mtu 01400 up type veth peer name eth9 netns 1', 'link add name h2o1 up type veth peer name eth9 address 02:00:00:00:01 netns 1',
    'link add name h2o1 up type veth peer name eth9 netns myns', 'link add name h2o1 up type vxlan id 5', 'link del h2o1', 'addr add 10.0.0.2/24 dev abcdefghijklmnopq', 'route add 010.1.0.0/16 dev eth0'])
    assert.equal((await helper.run(['ip', '-force', '-batch', '-'], { netns, input: `${line}\n`, allowFailure: true })).exitCode, 127, line)
  // with ip on its PATH, the same batch gives what ip gives
  await same('h2nl-prog', batch.trim().split('\n'), [], new JobRunner())
})

test('after a job done in a container\'s namespace the helper is back in its own: the next job without one runs there', async () => {
  const netns = await namespaceWithEth0('h2nl-back')
  const runner = new JobRunner()
  for (let i = 0; i < 3; i++) {
    const r = await runner.run(['ip', '-force', '-batch', '-'], { netns, input: 'link set dev eth0 up\n' })
    assert.equal(r.exitCode, 0)
    assert.equal((await runner.run(['readlink', '/proc/self/ns/net'])).stdout, readlinkSync('/proc/self/ns/net'))
  }
})

test('a namespace that is gone: a job the helper does itself fails as "already gone", as a program\'s would', async () => {
  const netns = await goneNamespace(await startContainer('h2nl-gone'))
  for (const [argv, input] of [[['ip', '-force', '-batch', '-'], 'link del dev eth0\n'], [['ethtool', '--offload', 'eth0', 'tx', 'off'], undefined]] as const) {
    const r = await helper.run(argv, { netns, input, allowFailure: true })
    assert.equal(r.exitCode, 1)
    assert.equal(r.stderr, `cannot open ${netns}: No such file or directory`)
    assert.ok(alreadyGone(r.stderr))
  }
})
