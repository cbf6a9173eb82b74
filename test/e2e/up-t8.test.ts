// T8 live, as far as this kernel allows. The host interface is a veth whose
// peer sits in a test namespace standing in for another machine on that
// network. The veth is in the machine's own (host) namespace when the network
// container can open /proc/1/ns/net; where it cannot (here pid 1 refuses it
// even with SYS_PTRACE), in a second test namespace standing in for the host,
// handed to conlink with CONLINK_HOST_PID (`conlink up --host-pid`). The test
// prints which. From the other machine it fetches http://<node's external address>/hostname: the web server listens
// only on the internal 10.0.1.1, so an answer proves the DNAT/SNAT inside the
// container. Without the dummy module the internal address goes on a veth of
// its own (bridge in1/in2, nothing else on it): still an interface apart from
// the external one, which is what the scenario's NAT needs. Without vlan the
// test checks conlink's error for the vlan node instead of serving through it.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execa, type ResultPromise } from 'execa'
import { run } from '../../src/exec.js'
import { CONLINK_IMAGE, ComposeProject, REPO, containerLogs, containerPid, editedExample, kernel, missingPrerequisite, waitUntil, withLogs } from './compose.js'

const HOST_STAND_IN = `t8-host-${process.pid}`
const PARENT = `t8p-${process.pid}`.slice(0, 15)
const PEER = `t8l-${process.pid}`.slice(0, 15)
const LAN = `t8-lan-${process.pid}`
const NODES = {
  'node-macvlan': { external: '192.168.58.11/24', client: '192.168.58.100/24', peerDev: PEER },
  'node-vlan': { external: '192.168.59.12/24', client: '192.168.59.100/24', peerDev: `${PEER}.5`.slice(0, 15) },
} as const

async function skipReason(): Promise<string | undefined> {
  const missing = await missingPrerequisite()
  if (missing) return missing
  if (!(await kernel()).macvlan) return 'the kernel lacks macvlan'
  return undefined
}
const skip = await skipReason()

const sh = (...argv: string[]) => run(argv)

/** Why a network container (the example's caps, pid host) cannot open the host namespace, or undefined. */
async function hostNamespaceRefused(): Promise<string | undefined> {
  const caps = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE'].flatMap((c) => ['--cap-add', c])
  const argv = ['docker', 'run', '--rm', '--pid', 'host', '--network', 'none', ...caps, '--security-opt', 'apparmor=unconfined', CONLINK_IMAGE, 'nsenter', '--net=/proc/1/ns/net', 'true']
  const r = await run(argv, { allowFailure: true, timeoutMs: 30_000 })
  return r.exitCode === 0 ? undefined : r.stderr.trim() || `exit code ${r.exitCode}`
}

/** GET http://ADDRESS/hostname from the other machine's namespace (Node's fetch: no client program needed). */
function fetchFromLan(address: string) {
  const script = `fetch('http://${address}/hostname', { signal: AbortSignal.timeout(2000) }).then(async (r) => { if (!r.ok) throw new Error('HTTP ' + r.status); process.stdout.write(await r.text()) })`
  return run(['nsenter', `--net=/run/netns/${LAN}`, process.execPath, '-e', script], { allowFailure: true, timeoutMs: 10_000 })
}

describe('T8: macvlan and vlan children of a host interface, NAT to an internal address', { skip }, () => {
  let features: { dummy: boolean; vlan: boolean }
  let file = ''
  let project: ComposeProject
  let hostHolder: ResultPromise | undefined

  before(async () => {
    const caps = await kernel()
    features = { dummy: caps.dummy, vlan: caps.vlan }
    await removeNamespaces()
    await sh('ip', 'netns', 'add', LAN)
    const refused = await hostNamespaceRefused()
    let hostIp = ['ip']
    if (refused) {
      await sh('ip', 'netns', 'add', HOST_STAND_IN)
      hostHolder = execa('ip', ['netns', 'exec', HOST_STAND_IN, 'sleep', '900'], { reject: false })
      hostIp = ['ip', '-n', HOST_STAND_IN]
      console.log(`T8: the host interface ${PARENT} is in the stand-in namespace ${HOST_STAND_IN} (CONLINK_HOST_PID=${hostHolder.pid}): the network container cannot open /proc/1/ns/net here: ${refused}`)
    } else {
      console.log(`T8: the host interface ${PARENT} is in the host namespace (/proc/1/ns/net)`)
    }
    // the stand-in NIC, and the other machine behind it
    await sh(...hostIp, 'link', 'add', PARENT, 'type', 'veth', 'peer', 'name', PEER, 'netns', LAN)
    await sh(...hostIp, 'link', 'set', PARENT, 'up')
    await sh('ip', '-n', LAN, 'link', 'set', PEER, 'up')
    await sh('ip', '-n', LAN, 'addr', 'add', NODES['node-macvlan'].client, 'dev', PEER)
    if (features.vlan) {
      const vlanDev = NODES['node-vlan'].peerDev
      await sh('ip', '-n', LAN, 'link', 'add', 'link', PEER, 'name', vlanDev, 'type', 'vlan', 'id', '5')
      await sh('ip', '-n', LAN, 'addr', 'add', NODES['node-vlan'].client, 'dev', vlanDev)
      await sh('ip', '-n', LAN, 'link', 'set', vlanDev, 'up')
    }
    file = editedExample('test8-compose.yaml', (doc) => {
      doc.setIn(['x-node', 'volumes'], doc.createNode([`${REPO}src/tools/sh:/scripts:ro`]))
      if (hostHolder) doc.addIn(['services', 'network', 'environment'], `CONLINK_HOST_PID=${hostHolder.pid}`)
      if (!features.dummy) {
        Object.keys(NODES).forEach((svc, i) =>
          doc.setIn(['services', svc, 'x-network', 'links', 0], doc.createNode({ dev: 'd0', bridge: `in${i + 1}`, ip: '10.0.1.1/24' })),
        )
      }
    })
    project = new ComposeProject(`t8${process.pid}`, file, {
      HOST_INTERFACE: PARENT,
      NODE1_HOST_ADDRESS: NODES['node-macvlan'].external,
      NODE2_HOST_ADDRESS: NODES['node-vlan'].external,
    })
    await project.down()
    await project.compose(['up', '-d'])
  })

  async function removeNamespaces(): Promise<void> {
    await run(['ip', 'link', 'del', PARENT], { allowFailure: true })
    for (const ns of [LAN, HOST_STAND_IN]) await run(['ip', 'netns', 'del', ns], { allowFailure: true })
  }

  after(async () => {
    await project?.down()
    hostHolder?.kill()
    await removeNamespaces()
    if (file) rmSync(dirname(file), { recursive: true, force: true })
  })

  /** GET /hostname at `address` from the other machine, until it answers. */
  async function fetchHostname(address: string): Promise<string> {
    let last = ''
    try {
      return await waitUntil(`HTTP from ${LAN} to ${address}`, 30_000, async () => {
        const r = await fetchFromLan(address)
        last = `${r.exitCode}: ${r.stdout}${r.stderr}`
        return r.exitCode === 0 && r.stdout.trim()
      }, 300)
    } catch (err) {
      throw new Error(`${(err as Error).message}; last try: ${last}`)
    }
  }

  async function checkServesThroughNat(service: keyof typeof NODES): Promise<void> {
    const id = await project.id(service)
    const hostname = (await run(['docker', 'inspect', '-f', '{{.Config.Hostname}}', id])).stdout.trim()
    const address = NODES[service].external.split('/')[0]
    assert.equal(await fetchHostname(address), hostname, `${service} answered`)
    const nat = (await run(['nsenter', '-t', String(await containerPid(id)), '-n', 'iptables', '-t', 'nat', '-S'])).stdout
    assert.match(nat, /-A PREROUTING -i eth0 -j DNAT --to-destination 10\.0\.1\.1/)
    assert.match(nat, new RegExp(`-A POSTROUTING -o eth0 -j SNAT --to-source ${address.replace(/\./g, '\\.')}`))
  }

  it('serves HTTP from the macvlan node through its NAT to another machine on the parent\'s network', () =>
    withLogs(() => project.logs(), () => checkServesThroughNat('node-macvlan')))

  it('the vlan node: served through VLAN 5 where the kernel has vlan, else a clear error', (t) =>
    withLogs(() => project.logs(), async () => {
      if (features.vlan) return checkServesThroughNat('node-vlan')
      const network = await project.id('network')
      const logs = await waitUntil('the vlan error in the network log', 30_000, async () => {
        const text = await containerLogs(network)
        return /vlan link \S*node-vlan\S*:eth0 needs kernel feature 'vlan', which this kernel lacks/.test(text) && text
      })
      assert.match(logs, /test8-compose\.yaml: services\.node-vlan\.x-network\.links\[1\]/, 'the error names the file and path')
      t.skip('the kernel lacks vlan (8021q): checked the error conlink reports instead of serving through VLAN 5')
    }))
})
