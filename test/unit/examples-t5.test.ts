// T5 examples offline: with REMOTE and NODE_IP set, each loads to one tunnel
// on s1 and one node link; without them, conlink names the missing variable;
// and each publishes its tunnel's UDP port. The two-host run is
// test/e2e/up-t5.test.ts.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'
import { loadNetworkConfig } from '../../src/config/index.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
const PORTS = { vxlan: 8472, geneve: 6081 }

for (const type of ['vxlan', 'geneve'] as const) {
  const file = `${EXAMPLES}test5-${type}-compose.yaml`

  test(`T5 ${type}: REMOTE and NODE_IP make the tunnel and the node's link`, async () => {
    const { config } = await loadNetworkConfig({ composeFiles: [file], env: { REMOTE: '10.1.0.12', NODE_IP: '192.168.100.1' }, probe: () => false })
    assert.equal(config.tunnels.length, 1)
    const [tunnel] = config.tunnels
    assert.deepEqual([tunnel.type, tunnel.bridge, tunnel.remote, tunnel.vni, tunnel['outer-dev']], [type, 's1', '10.1.0.12', 1001, `${type}-1001`])
    const [link] = config.services.node.links
    assert.deepEqual([link.bridge, link.ip, link.mtu], ['s1', '192.168.100.1/24', 1400])
  })

  test(`T5 ${type}: without REMOTE and NODE_IP the error names them`, async () => {
    await assert.rejects(loadNetworkConfig({ composeFiles: [file], env: {}, probe: () => false }), (err: Error & { errors?: Error[] }) => {
      const text = [err.message, ...(err.errors ?? []).map((e) => e.message)].join('\n')
      assert.match(text, /variable REMOTE is not set/)
      assert.match(text, /variable NODE_IP is not set/)
      return true
    })
  })

  test(`T5 ${type}: the network container publishes UDP ${PORTS[type]} and passes REMOTE and NODE_IP on`, () => {
    const compose = yaml.load(readFileSync(file, 'utf8')) as { services: Record<string, { ports?: string[]; environment?: string[]; command?: string; network_mode?: string }> }
    const network = compose.services.network
    assert.deepEqual(network.ports, [`${PORTS[type]}:${PORTS[type]}/udp`])
    assert.equal(network.network_mode, undefined, 'the tunnel leaves through the network container\'s own network')
    assert.deepEqual(network.environment?.map((e) => e.split('=')[0]), ['REMOTE', 'NODE_IP'])
    assert.equal(network.command, `conlink up --compose-file /test/test5-${type}-compose.yaml`)
  })
}
