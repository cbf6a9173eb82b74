// The executor's grouping and failure attribution without root: a fake Runner
// answers each program run the way `ip -force -batch`, iptables-restore and
// `xargs ethtool` answer (exit codes and stderr as iproute2 6.1 prints them),
// and records what ran. The real programs are in test/net/attribution.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RunOptions, RunResult, Runner } from '../../src/exec.js'
import { setVerbose } from '../../src/log.js'
import { FEATURES, type Capabilities } from '../../src/net/capabilities.js'
import type { NetContext } from '../../src/net/context.js'
import { JOB_TIMEOUT_MS, execute, failureText, runIn, undo } from '../../src/net/executor.js'
import { argv, ethtool, ip, iptDelete, iptRule, tc, type Op } from '../../src/net/ops.js'

const all = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities

interface Call {
  argv: string[]
  netns?: string
  input?: string
  timeoutMs?: number
}

/** A runner that answers from a script (by call number or by content) and records each call. */
function fake(answer: (call: Call, n: number) => Partial<RunResult> = () => ({}), delayMs = 0) {
  const calls: Call[] = []
  let active = 0
  let peak = 0
  const runner: Runner = {
    run: async (args, opts: RunOptions = {}) => {
      const call = { argv: [...args], netns: opts.netns, input: opts.input, timeoutMs: opts.timeoutMs }
      calls.push(call)
      active++
      peak = Math.max(peak, active)
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
      active--
      return { stdout: '', stderr: '', exitCode: 0, ...answer(call, calls.length - 1) }
    },
  }
  return { calls, runner, peak: () => peak }
}

const context = (runner: Runner, more: Partial<NetContext> = {}): NetContext => ({ conlinkPid: 3, bridges: {}, capabilities: all, runner, ...more })
const failures = (failed: Map<Op, string>) => [...failed].map(([op, msg]) => [op.args.join(' '), msg])
const argsOf = (ops: Op[]) => ops.map((op) => op.args.join(' '))

test('ops are grouped per namespace and program: ip/tc batches, iptables-restore per owner and table, xargs ethtool, the rest alone', async () => {
  const { calls, runner } = fake()
  const ops = [
    ip(5, 'a:eth0', ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0']),
    ip(5, 'a:eth1', ['link', 'set', 'dev', 'eth1', 'up']),
    ip(6, 'b:eth0', ['link', 'set', 'dev', 'eth0', 'up']),
    ip(6, 'b:eth0', ['route', 'add', 'default', 'via', '10.0.0.254']),
    ip(5, 'a:eth0', ['link', 'set', 'dev', 'eth0', 'alias', 'my link']),
    tc(5, 'a:eth0', ['qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '10ms']),
    iptRule(5, 'a:eth0', 'nat', ['PREROUTING', '-i', 'eth0', '-j', 'DNAT', '--to-destination', '10.99.0.1']),
    iptRule(5, 'a:eth1', 'nat', ['PREROUTING', '-i', 'eth1', '-j', 'DNAT', '--to-destination', '10.99.0.2']),
    iptRule(5, 'a:eth0', undefined, ['FORWARD', '-i', 'eth0', '-j', 'ACCEPT']),
    iptRule(5, 'a:eth1', 'filter', ['FORWARD', '-i', 'eth1', '-j', 'ACCEPT']),
    iptRule(5, 'a:eth0', 'mangle', ['POSTROUTING', '-o', 'eth0', '-j', 'CHECKSUM', '--checksum-fill']),
    iptRule(5, 'c:eth0', 'nat', ['POSTROUTING', '-o', 'eth0', '-j', 'MASQUERADE']),
    iptRule('conlink', 'web1:eth0', 'nat', ['PREROUTING', '-i', 'web1-eth0', '-j', 'ACCEPT']),
    iptRule('conlink', 'web2:eth0', 'nat', ['PREROUTING', '-i', 'web2-eth0', '-j', 'ACCEPT']),
    iptRule(5, 'a:eth0', 'nat', ['PREROUTING', '-i', 'eth0', '-j', 'DNAT', '--to-destination', 'fd00::1'], 6),
    ethtool(5, 'a:eth0', ['--offload', 'eth0', 'tx', 'off']),
    ethtool(5, 'a:eth1', ['--offload', 'eth1', 'tx', 'off']),
    ethtool(6, 'b:eth0', ['--offload', 'eth0', 'tx', 'off']),
    argv('conlink', 's1', ['ovs-vsctl', 'add-br', 's1']),
  ]
  const r = await execute(context(runner), ops)
  assert.equal(r.failed.size, 0)
  assert.equal(r.done.length, ops.length)
  assert.ok(ops.every((op) => r.done.includes(op)))
  const seen = calls.map((c) => [c.argv.join(' '), c.netns, c.input]).sort((x, y) => String(x).localeCompare(String(y)))
  assert.deepEqual(seen, [
    ['ethtool --offload eth0 tx off', '/proc/6/ns/net', undefined],
    ['ip -force -batch -', '/proc/5/ns/net', 'addr add 10.0.0.1/24 dev eth0\nlink set dev eth1 up\n'],
    ['ip -force -batch -', '/proc/6/ns/net', 'link set dev eth0 up\nroute add default via 10.0.0.254\n'],
    ['ip link set dev eth0 alias my link', '/proc/5/ns/net', undefined],
    ['ip6tables-restore -w --noflush', '/proc/5/ns/net', '*nat\n-A PREROUTING -i eth0 -j DNAT --to-destination fd00::1\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/3/ns/net', '*nat\n-A PREROUTING -i web1-eth0 -j ACCEPT\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/3/ns/net', '*nat\n-A PREROUTING -i web2-eth0 -j ACCEPT\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/5/ns/net', '*filter\n-A FORWARD -i eth0 -j ACCEPT\n-A FORWARD -i eth1 -j ACCEPT\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/5/ns/net', '*mangle\n-A POSTROUTING -o eth0 -j CHECKSUM --checksum-fill\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/5/ns/net', '*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n'],
    ['iptables-restore -w --noflush', '/proc/5/ns/net', '*nat\n-A PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.1\n-A PREROUTING -i eth1 -j DNAT --to-destination 10.99.0.2\nCOMMIT\n'],
    ['ovs-vsctl add-br s1', '/proc/3/ns/net', undefined],
    ['tc -force -batch -', '/proc/5/ns/net', 'qdisc add dev eth0 root netem delay 10ms\n'],
    ['xargs -L 1 ethtool', '/proc/5/ns/net', '--offload eth0 tx off\n--offload eth1 tx off\n'],
  ])
})

test('a container\'s ip batch and its offloads go to the runner together; other programs, and the network namespace\'s jobs, alone', async () => {
  const { calls, runner } = fake()
  const groups: Call[][] = []
  runner.runTogether = async (jobs, opts: RunOptions = {}) => {
    groups.push(jobs.map((j) => ({ argv: [...j.argv], netns: opts.netns, input: j.input, timeoutMs: opts.timeoutMs })))
    return jobs.map((j) => ({ stdout: '', stderr: j.argv[0] === 'ethtool' ? 'Cannot set tx offload of eth0: No such device' : '', exitCode: j.argv[0] === 'ethtool' ? 1 : 0 }))
  }
  const offload6 = ethtool(6, 'b:eth0', ['--offload', 'eth0', 'tx', 'off'])
  const ops = [
    ip(5, 'a:eth0', ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0']),
    ip(5, 'a:eth0', ['link', 'set', 'dev', 'eth0', 'alias', 'my link']),
    tc(5, 'a:eth0', ['qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '10ms']),
    ethtool(5, 'a:eth0', ['--offload', 'eth0', 'tx', 'off']),
    ethtool(5, 'a:eth1', ['--offload', 'eth1', 'tx', 'off']),
    ip(6, 'b:eth0', ['link', 'set', 'dev', 'eth0', 'up']),
    offload6,
    ip('conlink', 'c:eth0', ['link', 'set', 'dev', 'c-eth0', 'up']),
    ethtool('conlink', 'c:eth0', ['--offload', 'c-eth0', 'tx', 'off']),
  ]
  const r = await execute(context(runner), ops)
  const shown = (list: Call[]) => list.map((c) => [c.argv.join(' '), c.netns, c.input]).sort((x, y) => String(x).localeCompare(String(y)))
  assert.deepEqual(groups.map(shown).sort((x, y) => String(x).localeCompare(String(y))), [
    [['ethtool --offload eth0 tx off', '/proc/6/ns/net', undefined], ['ip -force -batch -', '/proc/6/ns/net', 'link set dev eth0 up\n']],
    [['ip -force -batch -', '/proc/5/ns/net', 'addr add 10.0.0.1/24 dev eth0\n'], ['xargs -L 1 ethtool', '/proc/5/ns/net', '--offload eth0 tx off\n--offload eth1 tx off\n']],
  ])
  assert.ok(groups.flat().every((c) => c.timeoutMs === JOB_TIMEOUT_MS), 'a group has the timeout of a run')
  assert.ok(groups.every((g) => g[0].argv[0] !== 'ip'), 'the offloads come first, while the device is not up yet')
  assert.deepEqual(shown(calls).filter(([argv]) => argv !== 'ethtool --offload eth0 tx off' && argv !== 'ethtool --offload eth1 tx off'), [
    ['ethtool --offload c-eth0 tx off', '/proc/3/ns/net', undefined],
    ['ip -force -batch -', '/proc/3/ns/net', 'link set dev c-eth0 up\n'],
    ['ip link set dev eth0 alias my link', '/proc/5/ns/net', undefined],
    ['tc -force -batch -', '/proc/5/ns/net', 'qdisc add dev eth0 root netem delay 10ms\n'],
  ])
  // each job of a group settles as it would alone: the failed xargs run goes again op by op (here through run, which succeeds)
  assert.deepEqual(failures(r.failed), [['--offload eth0 tx off', 'Cannot set tx offload of eth0: No such device']])
  assert.equal([...r.failed.keys()][0], offload6)
  assert.equal(r.done.length, ops.length - 1)
})

test('no ops: nothing runs', async () => {
  const { calls, runner } = fake()
  assert.deepEqual(await execute(context(runner), []), { done: [], failed: new Map() })
  assert.equal(calls.length, 0)
})

const a = [
  ip(5, 'a:eth0', ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0']),
  ip(5, 'a:eth0', ['link', 'add', 'name', 'br0', 'type', 'bridge']),
  ip(5, 'a:eth0', ['route', 'add', '10.9.0.0/16', 'via', '10.0.0.254', 'dev', 'eth0']),
  ip(5, 'a:eth0', ['route', 'add', '10.8.0.0/24', 'via', 'bogus', 'dev', 'eth0']),
  ip(5, 'a:eth0', ['route', 'add', '10.7.0.0/16', 'via', '10.0.0.254', 'dev', 'eth0']),
  ip(5, 'a:eth0', ['link', 'set', 'dev', 'eth0', 'up']),
]

test('a batch with failed lines (-force went on): each failed line gets its message, the others are done, nothing runs again', async () => {
  const { calls, runner } = fake(() => ({ exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\nDevice "eth0" does not exist.\nCommand failed -:6\n' }))
  const r = await execute(context(runner), a)
  assert.equal(calls.length, 1)
  assert.deepEqual(argsOf(r.done), argsOf([a[0], a[2], a[3], a[4]]))
  assert.deepEqual(failures(r.failed), [
    ['link add name br0 type bridge', 'RTNETLINK answers: File exists'],
    ['link set dev eth0 up', 'Device "eth0" does not exist.'],
  ])
})

test('a failed line before the last: the lines after it are done too', async () => {
  const { calls, runner } = fake(() => ({ exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' }))
  const r = await execute(context(runner), a.slice(0, 3))
  assert.equal(calls.length, 1)
  assert.deepEqual(argsOf(r.done), argsOf([a[1], a[2]]))
  assert.deepEqual(failures(r.failed), [['addr add 10.0.0.1/24 dev eth0', 'RTNETLINK answers: File exists']])
})

test('a batch that stopped on a line: lines up to it are sorted, the line fails, the lines after it run again', async () => {
  // line 2 failed, lines 3 ran, line 4 stopped the batch: ip printed no `Command failed` for it
  const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nError: inet address is expected rather than "bogus".\n'
  const { calls, runner } = fake((_c, n) => (n === 0 ? { exitCode: 1, stderr } : {}))
  const r = await execute(context(runner), a)
  assert.deepEqual(calls.map((c) => c.input), [
    'addr add 10.0.0.1/24 dev eth0\nlink add name br0 type bridge\nroute add 10.9.0.0/16 via 10.0.0.254 dev eth0\nroute add 10.8.0.0/24 via bogus dev eth0\nroute add 10.7.0.0/16 via 10.0.0.254 dev eth0\nlink set dev eth0 up\n',
    'route add 10.7.0.0/16 via 10.0.0.254 dev eth0\nlink set dev eth0 up\n',
  ])
  assert.deepEqual(calls[1].argv, ['ip', '-force', '-batch', '-'])
  assert.equal(calls[1].netns, '/proc/5/ns/net')
  assert.deepEqual(argsOf(r.done), argsOf([a[0], a[2], a[4], a[5]]))
  assert.deepEqual(failures(r.failed), [
    ['link add name br0 type bridge', 'RTNETLINK answers: File exists'],
    ['route add 10.8.0.0/24 via bogus dev eth0', 'Error: inet address is expected rather than "bogus".'],
  ])
})

test('a batch that stopped with no failed line before: the lines before the stop are done', async () => {
  const stderr = 'Error: inet address is expected rather than "bogus".\n'
  const { calls, runner } = fake((_c, n) => (n === 0 ? { exitCode: 1, stderr } : {}))
  const r = await execute(context(runner), a)
  assert.equal(calls.length, 2)
  assert.deepEqual(argsOf(r.done), argsOf([a[0], a[1], a[2], a[4], a[5]]))
  assert.deepEqual(failures(r.failed), [['route add 10.8.0.0/24 via bogus dev eth0', 'Error: inet address is expected rather than "bogus".']])
})

test('a batch that stopped on its last line: nothing runs again', async () => {
  const ops = a.slice(0, 4)
  const { calls, runner } = fake(() => ({ exitCode: 1, stderr: 'Error: inet address is expected rather than "bogus".\n' }))
  const r = await execute(context(runner), ops)
  assert.equal(calls.length, 1)
  assert.deepEqual(argsOf(r.done), argsOf(ops.slice(0, 3)))
  assert.equal(r.failed.size, 1)
})

test('the lines run again can stop once more: each stop is attributed', async () => {
  const ops = [...a.slice(0, 4), ip(5, 'a:eth0', ['link', 'set', 'dev', 'eth%d', 'up']), a[5]]
  const answers = [
    { exitCode: 1, stderr: 'Error: inet address is expected rather than "bogus".\n' },
    { exitCode: 255, stderr: 'Error: argument "eth%d" is wrong: "dev" not a valid ifname\n' },
    {},
  ]
  const { calls, runner } = fake((_c, n) => answers[n])
  const r = await execute(context(runner), ops)
  assert.deepEqual(calls.map((c) => c.input), [
    argsOf(ops).join('\n') + '\n',
    'link set dev eth%d up\nlink set dev eth0 up\n',
    'link set dev eth0 up\n',
  ])
  assert.deepEqual(argsOf(r.done), argsOf([a[0], a[1], a[2], a[5]]))
  assert.deepEqual(failures(r.failed), [
    ['route add 10.8.0.0/24 via bogus dev eth0', 'Error: inet address is expected rather than "bogus".'],
    ['link set dev eth%d up', 'Error: argument "eth%d" is wrong: "dev" not a valid ifname'],
  ])
})

test('a stop no line can be blamed for (the namespace is gone): the lines from there on fail with it, none runs again', async () => {
  const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\ncannot open /proc/5/ns/net: No such file or directory\n'
  const { calls, runner } = fake(() => ({ exitCode: 1, stderr }))
  const r = await execute(context(runner), a.slice(0, 4))
  assert.equal(calls.length, 1)
  assert.deepEqual(argsOf(r.done), argsOf([a[0]]))
  assert.deepEqual(failures(r.failed), [
    ['link add name br0 type bridge', 'RTNETLINK answers: File exists'],
    ['route add 10.9.0.0/16 via 10.0.0.254 dev eth0', 'cannot open /proc/5/ns/net: No such file or directory'],
    ['route add 10.8.0.0/24 via bogus dev eth0', 'cannot open /proc/5/ns/net: No such file or directory'],
  ])
})

test('a failed batch with nothing on stderr: its stdout, else the exit code, is the message', async () => {
  const ops = a.slice(0, 2)
  const quiet = fake(() => ({ exitCode: 2 }))
  const r = await execute(context(quiet.runner), ops)
  assert.deepEqual(failures(r.failed), [['addr add 10.0.0.1/24 dev eth0', 'exit code 2'], ['link add name br0 type bridge', 'exit code 2']])
  assert.deepEqual(r.done, [])
  const onStdout = fake(() => ({ exitCode: 1, stdout: 'RTNETLINK answers: File exists\nCommand failed -:2\n' }))
  const s = await execute(context(onStdout.runner), ops)
  assert.deepEqual(argsOf(s.done), argsOf([a[0]]))
  assert.deepEqual(failures(s.failed), [['link add name br0 type bridge', 'RTNETLINK answers: File exists']])
})

test('a tc batch is attributed per line like ip', async () => {
  const ops = [
    tc(5, 'a:eth0', ['qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '10ms']),
    tc(5, 'a:eth1', ['qdisc', 'add', 'dev', 'eth1', 'root', 'netem', 'delay', '10ms']),
  ]
  const { calls, runner } = fake(() => ({ exitCode: 1, stderr: 'Cannot find device "eth1"\nCommand failed -:2\n' }))
  const r = await execute(context(runner), ops)
  assert.equal(calls.length, 1)
  assert.deepEqual(argsOf(r.done), argsOf([ops[0]]))
  assert.deepEqual(failures(r.failed), [['qdisc add dev eth1 root netem delay 10ms', 'Cannot find device "eth1"']])
})

test('a batch that timed out fails as a whole with the reason, and nothing runs again', async () => {
  const { calls, runner } = fake(() => ({ exitCode: 124, problem: 'timed out after 5 ms' }))
  const r = await execute(context(runner, { jobTimeoutMs: 5 }), a.slice(0, 3))
  assert.equal(calls.length, 1)
  assert.equal(calls[0].timeoutMs, 5)
  assert.deepEqual(r.done, [])
  assert.deepEqual([...r.failed.values()], ['timed out after 5 ms', 'timed out after 5 ms', 'timed out after 5 ms'])
})

test('a failed iptables-restore run: each rule runs again alone, in order, and the failing one is named', async () => {
  const ops = [
    iptRule(5, 'a:eth0', 'nat', ['PREROUTING', '-i', 'eth0', '-j', 'DNAT', '--to-destination', '10.99.0.1']),
    iptRule(5, 'a:eth1', 'nat', ['PREROUTING', '-i', 'eth1', '-j', 'DNAT', '--to-destination', 'bogus']),
    iptRule(5, 'a:eth1', 'nat', ['POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE']),
  ]
  const bad = 'iptables v1.8.9 (nf_tables): Bad IP address "bogus"\n\nTry `iptables -h\' or \'iptables --help\' for more information.\n'
  const { calls, runner } = fake((c) =>
    c.argv[0] === 'iptables-restore' ? { exitCode: 2, stderr: 'iptables-restore v1.8.9 (nf_tables): Bad IP address "bogus"\nError occurred at line: 3\n' }
    : c.argv.includes('bogus') ? { exitCode: 2, stderr: bad } : {})
  const r = await execute(context(runner), ops)
  assert.deepEqual(calls.map((c) => c.argv.join(' ')), [
    'iptables-restore -w --noflush',
    'iptables -w -t nat -A PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.1',
    'iptables -w -t nat -A PREROUTING -i eth1 -j DNAT --to-destination bogus',
    'iptables -w -t nat -A POSTROUTING -o eth1 -j MASQUERADE',
  ])
  assert.deepEqual(argsOf(r.done), argsOf([ops[0], ops[2]]))
  assert.deepEqual(failures(r.failed), [
    ['-A PREROUTING -i eth1 -j DNAT --to-destination bogus', 'iptables v1.8.9 (nf_tables): Bad IP address "bogus"\n\nTry `iptables -h\' or \'iptables --help\' for more information.'],
  ])
})

test('a failed xargs ethtool run: each entry runs again alone and the failing one is named', async () => {
  const ops = [ethtool(5, 'a:eth0', ['--offload', 'eth0', 'tx', 'off']), ethtool(5, 'a:eth0', ['--offload', 'eth0', 'bogus', 'off'])]
  const { calls, runner } = fake((c) =>
    c.argv[0] === 'xargs' ? { exitCode: 123, stderr: 'ethtool: bad command line argument(s)\nFor more information run ethtool -h\n' }
    : c.argv.includes('bogus') ? { exitCode: 1, stderr: 'ethtool: bad command line argument(s)\nFor more information run ethtool -h\n' } : {})
  const r = await execute(context(runner), ops)
  assert.deepEqual(calls.map((c) => c.argv.join(' ')), ['xargs -L 1 ethtool', 'ethtool --offload eth0 tx off', 'ethtool --offload eth0 bogus off'])
  assert.deepEqual(argsOf(r.done), ['--offload eth0 tx off'])
  assert.deepEqual(failures(r.failed), [['--offload eth0 bogus off', 'ethtool: bad command line argument(s)\nFor more information run ethtool -h']])
})

test('an op run alone that fails is named with its message', async () => {
  const op = argv('conlink', 's1', ['ovs-vsctl', 'add-br', 's1'])
  const { runner } = fake(() => ({ exitCode: 1, stderr: 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)\n' }))
  const r = await execute(context(runner), [op])
  assert.deepEqual(r.done, [])
  assert.deepEqual([...r.failed], [[op, 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)']])
})

test('failureText: stderr, else stdout, with the reason the program did not finish; else the exit code', () => {
  const r = (x: Partial<RunResult>): RunResult => ({ stdout: '', stderr: '', exitCode: 1, ...x })
  assert.equal(failureText(r({ stderr: 'Cannot find device "x"\n', stdout: 'ignored' })), 'Cannot find device "x"')
  assert.equal(failureText(r({ stdout: 'Error: x\n' })), 'Error: x')
  assert.equal(failureText(r({ exitCode: 127, problem: 'not found: ethtool' })), 'not found: ethtool')
  assert.equal(failureText(r({ stderr: 'partial', exitCode: 124, problem: 'timed out after 60000 ms' })), 'partial; timed out after 60000 ms')
  assert.equal(failureText(r({ exitCode: 3 })), 'exit code 3')
  assert.equal(failureText(r({ stderr: ' \n', exitCode: 4 })), 'exit code 4')
})

test('the bound on processes at once holds per context, across execute and runIn calls', async () => {
  const ns = (n: number) => Array.from({ length: n }, (_, i) => ip(100 + i, `c${i}:eth0`, ['link', 'set', 'dev', 'eth0', 'up']))
  const one = fake(() => ({}), 5)
  const ctx1 = context(one.runner, { parallel: 1 })
  await Promise.all([execute(ctx1, ns(3)), runIn(ctx1, 'host', ['ip', '-j', 'link', 'show'])])
  assert.equal(one.calls.length, 4)
  assert.equal(one.peak(), 1)
  const two = fake(() => ({}), 5)
  const ctx2 = context(two.runner, { parallel: 2 })
  await Promise.all([execute(ctx2, ns(3)), execute(ctx2, ns(3))])
  assert.equal(two.peak(), 2, 'two calls share the context\'s bound')
  const dflt = fake(() => ({}), 5)
  await execute(context(dflt.runner), ns(12))
  assert.equal(dflt.peak(), 8, 'at most 8 by default')
})

test('runIn: a read-only program in a namespace, its result returned', async () => {
  const { calls, runner } = fake(() => ({ stdout: '[]' }))
  const r = await runIn(context(runner, { hostPid: 9 }), 'host', ['ip', '-j', 'link', 'show'])
  assert.deepEqual(r, { stdout: '[]', stderr: '', exitCode: 0 })
  assert.deepEqual(calls, [{ argv: ['ip', '-j', 'link', 'show'], netns: '/proc/9/ns/net', input: undefined, timeoutMs: 60_000 }])
})

test('undo: the given owners\' done ops reversed, newest first; the undo ops that failed are named', async () => {
  const addr = ip(5, 'a:eth0', ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0'], [ip(5, 'a:eth0', ['addr', 'del', '10.0.0.1/24', 'dev', 'eth0'])])
  const route = ip(5, 'a:eth0', ['route', 'add', '10.9.0.0/16', 'via', '10.0.0.254'], [ip(5, 'a:eth0', ['route', 'del', '10.9.0.0/16', 'via', '10.0.0.254'])])
  const up = ip(5, 'a:eth0', ['link', 'set', 'dev', 'eth0', 'up'])
  const rule = ['PREROUTING', '-i', 'eth0', '-j', 'DNAT', '--to-destination', '10.99.0.1']
  const nat = iptRule(5, 'a:eth0', 'nat', rule)
  const other = ip(6, 'b:eth0', ['addr', 'add', '10.0.0.2/24', 'dev', 'eth0'], [ip(6, 'b:eth0', ['addr', 'del', '10.0.0.2/24', 'dev', 'eth0'])])
  const { calls, runner } = fake((c) => (c.argv[0] === 'ip' ? { exitCode: 1, stderr: 'RTNETLINK answers: No such process\nCommand failed -:1\n' } : {}))
  const msgs = await undo(context(runner), [addr, route, other, up, nat], new Set(['a:eth0']))
  assert.deepEqual(calls.map((c) => [c.argv.join(' '), c.netns, c.input]).sort((x, y) => String(x).localeCompare(String(y))), [
    ['ip -force -batch -', '/proc/5/ns/net', 'route del 10.9.0.0/16 via 10.0.0.254\naddr del 10.0.0.1/24 dev eth0\n'],
    ['iptables-restore -w --noflush', '/proc/5/ns/net', '*nat\n-D PREROUTING -i eth0 -j DNAT --to-destination 10.99.0.1\nCOMMIT\n'],
  ])
  assert.deepEqual(msgs, ['[pid 5] ip route del 10.9.0.0/16 via 10.0.0.254: RTNETLINK answers: No such process'])
  assert.deepEqual(nat.undo, [iptDelete(5, 'a:eth0', 'nat', rule)])

  const every = fake()
  assert.deepEqual(await undo(context(every.runner), [addr, other]), [])
  assert.deepEqual(every.calls.map((c) => c.input).sort(), ['addr del 10.0.0.1/24 dev eth0\n', 'addr del 10.0.0.2/24 dev eth0\n'])

  const nothing = fake()
  assert.deepEqual(await undo(context(nothing.runner), [up, other], new Set(['a:eth0'])), [])
  assert.equal(nothing.calls.length, 0, 'no undo ops: nothing runs')
})

test('with -v each run is logged: the op or batch, its exit code and how long it took', async () => {
  const lines: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  }) as typeof process.stdout.write
  setVerbose(true)
  const { runner } = fake((c) => (c.argv[0] === 'ovs-vsctl' ? { exitCode: 1, stderr: 'x' } : {}))
  const before = performance.now()
  try {
    await execute(context(runner), [a[0], a[1], argv('conlink', 's1', ['ovs-vsctl', 'add-br', 's1'])])
  } finally {
    setVerbose(false)
    process.stdout.write = write
  }
  const took = performance.now() - before
  assert.equal(lines.length, 2, lines.join('\n'))
  const batch = lines.find((l) => l.startsWith('ip '))
  const solo = lines.find((l) => l.startsWith('['))
  assert.match(batch ?? '', /^ip batch in 5 ns: 2 lines, exit 0 in \d+\.\d ms$/)
  assert.match(solo ?? '', /^\[network\] ovs-vsctl add-br s1: exit 1 in \d+\.\d ms$/)
  for (const l of [batch, solo]) assert.ok(Number(/in ([\d.]+) ms$/.exec(l!)![1]) <= took + 0.1, `${l}: at most the ${took} ms the call took`)
})
