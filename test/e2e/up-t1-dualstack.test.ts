// T1 dual-stack: T1 with an IPv6 prefix on each bridge and IPv6 forwarding on
// r0. h1 pings h3 across r0 over IPv6 and over IPv4; a scaled service (three
// replicas) gets consecutive IPv6 addresses, unique MACs and link-locals, and
// addresses usable at once (nodad).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe } from 'node:test'
import { ComposeProject, itLogs, missingPrerequisite, withLogs } from './compose.js'

const skip = existsSync('/proc/net/if_inet6') ? await missingPrerequisite() : 'this kernel has no IPv6 (/proc/net/if_inet6 is missing)'

interface AddrInfo { family: string; local: string; prefixlen: number; scope: string; tentative?: boolean }

describe('conlink up: T1 dual-stack routed', { skip }, () => {
  const p = new ComposeProject('h17t1v6', 'test1-dualstack-compose.yaml')
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(() => p.down())

  /** eth0 of a container as `ip -j addr` reports it (busybox ip has no -j: read it from the host side). */
  async function eth0(service: string, index = 1): Promise<{ mac: string; addrs: AddrInfo[] }> {
    const out = (await p.exec(service, ['ip', '-o', 'addr', 'show', 'dev', 'eth0'], index)).stdout
    const link = (await p.exec(service, ['ip', '-o', 'link', 'show', 'dev', 'eth0'], index)).stdout
    const addrs = out.split('\n').filter(Boolean).map((line) => {
      const m = /\b(inet6?) (\S+)\/(\d+) .*scope (\w+)/.exec(line)!
      return { family: m[1], local: m[2], prefixlen: Number(m[3]), scope: m[4], ...(/tentative/.test(line) ? { tentative: true } : {}) }
    })
    return { mac: /link\/ether (\S+)/.exec(link)![1], addrs }
  }

  itLogs(p, 'h1 pings h3 across r0 over IPv6', () => p.ping('h1', '2001:db8:3::100'))
  itLogs(p, 'h1 pings h3 across r0 over IPv4', () => p.ping('h1', '10.0.0.100'))
  itLogs(p, 'h2 pings h1 across r0 over IPv6', () => p.ping('h2', '2001:db8:1::100'))

  itLogs(p, 'three replicas get IPv6 offsets (::201, ::202, ::203), unique MACs and link-locals, nothing tentative', async () => {
    const seen = await Promise.all([1, 2, 3].map((i) => eth0('nodes', i)))
    assert.deepEqual(seen.map((s) => s.addrs.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`)), [
      ['10.0.0.201/8', '2001:db8:3::201/64'],
      ['10.0.0.202/8', '2001:db8:3::202/64'],
      ['10.0.0.203/8', '2001:db8:3::203/64'],
    ])
    assert.equal(new Set(seen.map((s) => s.mac)).size, 3, `MACs: ${seen.map((s) => s.mac)}`)
    const linkLocals = seen.map((s) => s.addrs.find((a) => a.scope === 'link')?.local)
    assert.equal(new Set(linkLocals).size, 3, `link-locals: ${linkLocals}`)
    for (const s of seen) assert.ok(!s.addrs.some((a) => a.tentative), `nothing tentative: ${JSON.stringify(s.addrs)}`)
    await p.ping('h1', '2001:db8:3::203')
    await p.ping('nodes', '2001:db8:1::100', 2)
  })
})
