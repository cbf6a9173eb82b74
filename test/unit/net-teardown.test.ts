// Teardown batching: several outer-end deletes of the network namespace become one `ip link del group N`.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deleteOuterEndsTogether } from '../../src/net/index.js'
import { describeOp, ip, iptDelete } from '../../src/net/ops.js'

test('two or more network-namespace link deletes: grouped, in place, and one group delete at the end', () => {
  const ops = [
    ip('conlink', 'a:eth0', ['route', 'del', '10.0.0.1/32', 'dev', 's1']),
    ip('conlink', 'a:eth0', ['link', 'del', 'dev', 'a-eth0']),
    iptDelete(4242, 'b:eth0', 'nat', ['PREROUTING', '-i', 'eth0', '-j', 'DNAT', '--to-destination', '10.9.0.1']),
    ip('conlink', 'b:eth0', ['link', 'del', 'dev', 'b-eth0']),
    ip(4242, 'b:eth1', ['link', 'del', 'dev', 'eth1']),
  ]
  const lines = deleteOuterEndsTogether(ops).map(describeOp)
  const group = /group (\d+)$/.exec(lines[1])![1]
  assert.ok(Number(group) >= 0x636c0000 && Number(group) < 0x636d0000, group)
  assert.deepEqual(lines, [
    '[network] ip route del 10.0.0.1/32 dev s1',
    `[network] ip link set dev a-eth0 group ${group}`,
    '[pid 4242] iptables -w -t nat -D PREROUTING -i eth0 -j DNAT --to-destination 10.9.0.1',
    `[network] ip link set dev b-eth0 group ${group}`,
    '[pid 4242] ip link del dev eth1',
    `[network] ip link del group ${group}`,
  ])
  const again = deleteOuterEndsTogether(ops).map(describeOp)
  assert.notEqual(again.at(-1), lines.at(-1), 'each call has its own group')
})

test('a single delete stays as it is', () => {
  const ops = [ip('conlink', 'a:eth0', ['link', 'del', 'dev', 'a-eth0']), ip(4242, 'a:eth1', ['link', 'del', 'dev', 'eth1'])]
  assert.deepEqual(deleteOuterEndsTogether(ops), ops)
})
