// T5 on one machine: two "hosts" are two compose projects of
// examples/test5-<type>-compose.yaml, whose network containers sit on one
// user-defined Docker network (the underlay, static addresses) and name each
// other as `remote`. The node on s1 in A pings the node on s1 in B through
// the tunnel, and a tcpdump in A's network container sees the encapsulated
// packets on the underlay. The examples publish the tunnel's UDP port for
// real hosts; here both hosts share one machine (and reach each other on the
// underlay directly), so the copies drop `ports`.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execa } from 'execa'
import { run } from '../../src/exec.js'
import { ComposeProject, editedExample, kernel, missingPrerequisite, withLogs } from './compose.js'

const UNDERLAY = `t5-underlay-${process.pid}`
const SUBNET = '10.250.5.0/24'
const HOSTS = [
  { address: '10.250.5.11', node: '192.168.100.1' },
  { address: '10.250.5.12', node: '192.168.100.2' },
]
/** vxlan's kernel port and the IANA one (either may be the default), geneve's. */
const TUNNEL_PORTS = 'udp port 8472 or udp port 4789 or udp port 6081'

const prerequisite = await missingPrerequisite()

/** The example for `type`, joined to the underlay at `address` instead of publishing ports. */
function underlayCopy(type: string, address: string): string {
  return editedExample(`test5-${type}-compose.yaml`, (doc) => {
    doc.deleteIn(['services', 'network', 'ports'])
    doc.setIn(['services', 'network', 'networks'], doc.createNode({ underlay: { ipv4_address: address } }))
    doc.set('networks', doc.createNode({ underlay: { external: true, name: UNDERLAY } }))
  })
}

describe('T5: two hosts joined by a tunnel', { skip: prerequisite }, () => {
  before(async () => {
    await run(['docker', 'network', 'rm', UNDERLAY], { allowFailure: true })
    await run(['docker', 'network', 'create', '--driver', 'bridge', '--subnet', SUBNET, UNDERLAY])
  })
  after(() => run(['docker', 'network', 'rm', UNDERLAY], { allowFailure: true }))

  for (const type of ['vxlan', 'geneve'] as const) {
    describe(type, () => {
      const projects: ComposeProject[] = []
      const files: string[] = []
      after(async () => {
        await Promise.all(projects.map((p) => p.down()))
        for (const f of files) rmSync(dirname(f), { recursive: true, force: true })
      })

      it(`node A pings node B over ${type}; A's network container sees the encapsulated packets`, async (t) => {
        if (type === 'geneve' && !(await kernel()).geneve) return t.skip('the kernel lacks geneve (ip link add type geneve: Unknown device type)')
        for (const [i, host] of HOSTS.entries()) {
          const other = HOSTS[1 - i]
          files.push(underlayCopy(type, host.address))
          projects.push(new ComposeProject(`t5${type}${'ab'[i]}${process.pid}`, files[i], { REMOTE: other.address, NODE_IP: host.node }))
        }
        const [a, b] = projects
        const logs = async () => `${a.name}:\n${await a.logs()}\n${b.name}:\n${await b.logs()}`
        await withLogs(logs, async () => {
          await Promise.all([a.up(), b.up()])
          assert.ok((await a.networkLinks()).includes(`${type}-1001`), `${type}-1001 exists in A's network container`)
          const capture = execa('docker', ['exec', await a.id('network'), 'timeout', '20', 'tcpdump', '-nli', 'eth0', '-c', '4', TUNNEL_PORTS], { reject: false, all: true })
          let captured = ''
          capture.all?.on('data', (d: Buffer) => (captured += d.toString()))
          await waitForText(() => captured, 'listening on eth0', 10_000)
          await a.ping('node', HOSTS[1].node, 1, 20_000)
          await a.exec('node', ['ping', '-c', '3', '-i', '0.2', HOSTS[1].node])
          await capture
          const packets = captured.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d+ IP /.test(l))
          assert.ok(packets.length >= 4, `tcpdump saw ${packets.length} tunnel packets:\n${captured}`)
          const [addrA, addrB] = HOSTS.map((h) => h.address.replace(/\./g, '\\.'))
          assert.ok(packets.some((l) => new RegExp(`IP ${addrA}\\.\\d+ > ${addrB}\\.\\d+:`).test(l)), `A -> B on the underlay:\n${captured}`)
          assert.ok(packets.some((l) => new RegExp(`IP ${addrB}\\.\\d+ > ${addrA}\\.\\d+:`).test(l)), `B -> A on the underlay:\n${captured}`)
        })
      })
    })
  }
})

async function waitForText(text: () => string, want: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!text().includes(want)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${want}" in: ${text()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
