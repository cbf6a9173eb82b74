// A config with every kind of thing net2dot draws (shared by mutants-graph.test.ts).
import type { LinkSpec, NetworkConfig, OwnerConfig } from '../../src/config/types.js'

function link(l: Partial<LinkSpec> & { dev: string }): LinkSpec {
  const base = l.type === 'dummy' ? 'local' : l.type && l.type !== 'veth' ? 'host' : 'conlink'
  return { type: 'veth', route: [], netem: [], forward: [], ethtool: [], base, origin: { file: 'g.yaml', path: 'links[0]' }, ...l }
}
const owner = (...links: LinkSpec[]): OwnerConfig => ({ links, commands: [] })

export function richConfig(): NetworkConfig {
  return {
    bridges: {
      s1: { bridge: 's1', mode: 'auto', 'resolved-mode': 'linux' },
      s2: { bridge: 's2', mode: 'linux', 'resolved-mode': 'linux' },
      p1: { bridge: 'p1', mode: 'patch', 'resolved-mode': 'patch' },
    },
    tunnels: [{ type: 'vxlan', bridge: 's2', remote: '192.0.2.9', vni: 1001, port: 8472, netem: [], 'outer-dev': 'vxlan-1001', origin: { file: 'g.yaml', path: 'tunnels[0]' } }],
    services: {
      r0: owner(link({ service: 'r0', dev: 'eth0', bridge: 's1', ip: '10.0.0.1/24' }), link({ service: 'r0', dev: 'eth1', bridge: 's2' })),
      pa: owner(link({ service: 'pa', dev: 'eth0', bridge: 'p1', ip: '10.1.0.1/24' })),
      pb: owner(link({ service: 'pb', dev: 'eth0', bridge: 'p1', ip: '10.1.0.2/24' })),
      hv: owner(
        link({ service: 'hv', type: 'vlan', dev: 'v5', 'outer-dev': 'eth0', vlanid: 5, ip: '10.5.0.1/24' }),
        link({ service: 'hv', type: 'macvlan', dev: 'm0', 'outer-dev': 'eth0', mode: 'bridge' }),
        link({ service: 'hv', type: 'dummy', dev: 'd0', ip: '8.8.8.8/24' }),
      ),
      empty: owner(),
    },
    containers: { 'box"1': owner(link({ container: 'box"1', dev: 'e\n1', bridge: 's1' })) },
  }
}
