// Issue 7.4: a clean exit. On SIGTERM (docker stop) conlink removes every
// interface, bridge, qdisc, filter, route and iptables rule it made. The
// network container shares the namespace of a long-lived "holder" container,
// so the namespace outlives it and can be compared before and after. A
// macvlan link whose parent (h8par0, one end of a veth pair made here) lives
// in the host namespace checks the host side the same way.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { containerPid, linkNames, missingPrerequisite, waitUntil, withLogs } from './compose.js'
import { networkService, NODE_COMMAND, sorted, tempProject, timed, unexpectedProblems } from './reliability-helpers.js'

const skip = await missingPrerequisite()
const PARENT = 'h8par0'
/** *vlan links are made in pid 1's namespace; some sandboxes refuse to open it even to root. */
const hostNsRefused = (await run(['nsenter', '--net=/proc/1/ns/net', 'true'], { allowFailure: true })).exitCode !== 0
  ? 'the host namespace (/proc/1/ns/net) cannot be opened here, even by root: macvlan links cannot be made'
  : undefined

/** A container on `bridge` (ip, extra link keys), waiting for eth0. */
function node(name: string, link: string): string {
  const lines = [`  ${name}:`, '    image: conlink-test-node', '    network_mode: none', '    cap_add: [NET_ADMIN]', `    command: ${NODE_COMMAND}`]
  return [...lines, '    x-network:', '      links:', `        - ${link}`].join('\n')
}

const TOP = 'x-network:\n  bridges:\n    - {bridge: s1, mode: linux}\n    - {bridge: pp, mode: patch}\n'
const SERVICES = [
  [
    '  holder:',
    '    image: conlink-test-node',
    '    sysctls:',
    '      net.ipv4.ip_forward: 1',
    `    command: ${NODE_COMMAND.replace('while ! ip link show eth0 >/dev/null 2>&1; do sleep 0.1; done; ', '')}`,
  ].join('\n'),
  networkService({ networkMode: 'service:holder' }),
  node('web', '{bridge: s1, ip: 10.1.0.100/24, forward: ["1080:80/tcp"]}'),
  node('p1', '{bridge: pp, ip: 10.3.0.1/24}'),
  node('p2', '{bridge: pp, ip: 10.3.0.2/24}'),
  ...(hostNsRefused ? [] : [node('mv', `{type: macvlan, outer-dev: ${PARENT}, mode: bridge, ip: 10.4.0.1/24}`)]),
]

const lines = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))

/** What conlink may have changed in a namespace (pid 1 = the host's): links, routes, qdiscs, filters, iptables. */
async function snapshot(pid: number): Promise<Record<string, string[]>> {
  const ns = (...argv: string[]) => run(['nsenter', '-t', String(pid), '-n', ...argv]).then((r) => r.stdout)
  const devs = await linkNames(pid)
  const filters = await Promise.all(
    devs.flatMap((dev) => [ns('tc', 'filter', 'show', 'dev', dev, 'ingress'), ns('tc', 'filter', 'show', 'dev', dev)]),
  )
  return {
    link: lines(await ns('ip', '-o', 'link')).map((l) => l.replace(/\\.*/, '')),
    route: lines(await ns('ip', 'route', 'show', 'table', 'all')),
    qdisc: lines(await ns('tc', 'qdisc', 'show')),
    filter: filters.flatMap(lines),
    // rules and user chains with their table; iptables-nft leaves an emptied
    // table (built-in chains, policy ACCEPT) in place, which holds no rule
    iptables: iptablesRules(await ns('iptables-save')),
  }
}

/** `table: rule` for each rule and user-defined chain of an iptables-save listing. */
function iptablesRules(save: string): string[] {
  let table = ''
  return lines(save).flatMap((l) => {
    if (l.startsWith('*')) table = l.slice(1)
    return l.startsWith('-') || /^:\S+ - /.test(l) ? [`${table}: ${l.replace(/\[\d+:\d+\]/, '')}`] : []
  })
}

/** The host's h8* interfaces and every macvlan (with details). */
async function hostLinks(): Promise<string[]> {
  const out = (await run(['ip', '-o', '-d', 'link'])).stdout
  return lines(out).filter((l) => /^\d+: h8/.test(l) || /\bmacvlan\b/.test(l))
}

describe('reliability: SIGTERM removes everything conlink made', { skip }, () => {
  const p = tempProject('h8exit', () => SERVICES, TOP)
  const withMacvlan = !hostNsRefused
  /** Filled in by the clean-exit test, checked by the macvlan test below. */
  let hostSide: { before: string[]; after: string[]; mvDuring: string[]; mvAfter: string[] } | undefined
  before(async () => {
    await run(['ip', 'link', 'del', PARENT], { allowFailure: true })
    await run(['ip', 'link', 'add', PARENT, 'type', 'veth', 'peer', 'name', 'h8par1'])
    await run(['ip', 'link', 'set', PARENT, 'up'])
  })
  after(async () => {
    await p.destroy()
    await run(['ip', 'link', 'del', PARENT], { allowFailure: true })
  })

  it('namespace of the network container and host are as before', () =>
    timed(p, 'clean exit: up, stop, compare', async () => {
      await p.compose(['up', '-d', 'holder'])
      const holderPid = await containerPid(await p.id('holder'))
      const [nsBefore, hostBefore] = [await snapshot(holderPid), await hostLinks()]

      const upAt = Date.now()
      await p.compose(['up', '-d'])
      await withLogs(() => p.logs(), () => p.waitForLog('All links connected'))
      console.log(`# [h8] up until "All links connected": ${Date.now() - upAt} ms`)
      const during = await snapshot(holderPid)
      assert.ok(during.link.some((l) => /: s1:/.test(l)), 'bridge s1 exists while running')
      assert.ok(during.qdisc.some((l) => /ingress/.test(l)), 'the patch made ingress qdiscs')
      assert.ok(during.filter.some((l) => /mirred/.test(l)), 'the patch made mirred filters')
      assert.ok(during.iptables.some((l) => /DNAT/.test(l)), 'the forward made a DNAT rule')
      const mvDuring = withMacvlan ? sorted(await linkNames(await containerPid(await p.id('mv')))) : []

      const network = await p.id('network')
      const stopAt = Date.now()
      await run(['docker', 'stop', '-t', '20', network])
      console.log(`# [h8] docker stop took ${Date.now() - stopAt} ms`)
      const logs = await p.logs()
      assert.match(logs, /^Stopped$/m, 'conlink logged its clean stop')
      assert.deepEqual(unexpectedProblems(logs), [], 'no warnings or errors in the log')

      const nsAfter = await snapshot(holderPid)
      // eth0, renamed to DOCKER-ETH0 for forwards, is back under its own name with its routes
      assert.deepEqual(nsAfter, nsBefore)
      const hostAfter = await hostLinks()
      for (const service of ['web', 'p1', 'p2']) {
        const pid = await containerPid(await p.id(service))
        assert.deepEqual(await linkNames(pid), ['lo'], `${service} keeps only lo`)
      }
      if (withMacvlan) {
        const mvAfter = await linkNames(await containerPid(await p.id('mv')))
        hostSide = { before: hostBefore, after: hostAfter, mvDuring, mvAfter }
      }
      assert.deepEqual(hostAfter, hostBefore)
      if (hostNsRefused) console.log(`# [h8] macvlan part left out: ${hostNsRefused}`)
      await waitUntil('network container exited', 5000, async () => (await run(['docker', 'inspect', '-f', '{{.State.Running}}', network])).stdout.trim() === 'false')
    }))

  it('macvlan child of a host parent is removed (host namespace as before)', { skip: hostNsRefused }, () => {
    assert.ok(hostSide, 'the clean-exit test above got as far as stopping conlink')
    assert.deepEqual(hostSide.mvDuring, ['eth0', 'lo'], 'the macvlan child was in mv while conlink ran')
    assert.deepEqual(hostSide.mvAfter, ['lo'], 'mv keeps only lo')
    assert.deepEqual(hostSide.after, hostSide.before, 'the host namespace is as before')
  })
})
