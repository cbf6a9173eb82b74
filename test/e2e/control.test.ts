// Runtime control (issue 13) on T1 with a real Docker engine: status, link
// down/up/flap, live impairments (tbf here; netem where the kernel has it),
// restarts keeping overrides, capture, events, and bad input. Every command
// runs on the host in its host form (found by -p, run in the network
// container through the engine's exec API). One compose project for all.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe } from 'node:test'
import { execa } from 'execa'
import { run } from '../../src/exec.js'
import type { StatusDocument } from '../../src/control/status.js'
import { CONLINK_IMAGE, ComposeProject, containerPid, itLogs, kernel, toolsPrerequisite, waitUntil, withLogs, REPO } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const skip = await toolsPrerequisite()
const PROJECT = 'ctl13'
const CONLINK = join(REPO, 'bin/conlink.js')

/** `conlink ARGS` on the host, in the host form for our project. */
async function conlink(args: string[], project = PROJECT) {
  const dashes = args.includes('--') ? args.indexOf('--') : args.length
  const argv = [...args.slice(0, dashes), ...(project ? ['-p', project] : []), ...args.slice(dashes)]
  const r = await execa(process.execPath, [CONLINK, ...argv], { reject: false, timeout: 60_000 })
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 }
}

async function status(): Promise<StatusDocument> {
  const r = await conlink(['status', '--json'])
  assert.equal(r.exitCode, 0, r.stderr)
  return JSON.parse(r.stdout) as StatusDocument
}

const linkOf = (doc: StatusDocument, name: string) => doc.links.find((l) => l.name === name)

describe('runtime control on T1', { skip }, () => {
  const p = new ComposeProject(PROJECT, 'test1-compose.yaml')
  const scratch = mkdtempSync(join(tmpdir(), 'ctl13-'))
  const strays: string[] = []
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(async () => {
    await p.down()
    if (strays.length) await run(['docker', 'rm', '-f', ...strays], { allowFailure: true })
    rmSync(scratch, { recursive: true, force: true })
  })

  const ping = (from: string, ip: string) => p.exec(from, ['ping', '-c1', '-W1', ip])

  itLogs(p, 'status --json lists every link up with its configured addresses', async () => {
    const doc = await status()
    assert.equal(doc.version, 1)
    const want: Record<string, string> = {
      'h1:eth0': '192.168.1.100/24', 'h2:eth0': '172.16.0.100/12', 'h3:eth0': '10.0.0.100/8',
      'r0:eth-s1': '192.168.1.1/24', 'r0:eth-s2': '172.16.0.1/12', 'r0:eth-s3': '10.0.0.1/8',
    }
    assert.deepEqual(doc.links.map((l) => l.name).sort(), Object.keys(want).sort())
    for (const [name, ip] of Object.entries(want)) {
      const l = linkOf(doc, name)!
      assert.equal(l.wiring, 'connected', name)
      assert.equal(l.actual?.carrier, true, name)
      assert.equal(l.actual?.outer?.state, 'UP', name)
      assert.deepEqual(l.actual?.addresses, [ip], name)
      assert.deepEqual(l.problems, [], name)
    }
    assert.deepEqual(doc.bridges.map((b) => [b.bridge, b.exists]), [['s1', true], ['s2', true], ['s3', true]])
    assert.equal(doc.summary.ok, true)
    const text = await conlink(['status'])
    assert.match(text.stdout, /6 links: 6 up, 0 down as asked, 0 with problems; 3 bridges, 0 tunnels: OK/)
  })

  itLogs(p, 'link down h1:eth0 cuts the cable (NO-CARRIER in h1), link up restores it', async () => {
    await p.ping('h1', '10.0.0.100')
    const down = await conlink(['link', 'down', 'h1:eth0'])
    assert.equal(down.exitCode, 0, down.stderr)
    assert.notEqual((await ping('h1', '10.0.0.100')).exitCode, 0, 'ping h1 -> h3 must fail while h1:eth0 is down')
    assert.match((await p.exec('h1', ['ip', 'link', 'show', 'eth0'])).stdout, /NO-CARRIER/)
    const doc = await status()
    assert.equal(linkOf(doc, 'h1:eth0')?.desired.state, 'down')
    assert.equal(doc.summary.ok, true, 'a link down as asked is no problem')
    assert.equal((await conlink(['link', 'up', 'h1:eth0'])).exitCode, 0)
    await p.ping('h1', '10.0.0.100', 1, 5000)
    assert.doesNotMatch((await p.exec('h1', ['ip', 'link', 'show', 'eth0'])).stdout, /NO-CARRIER/)
  })

  itLogs(p, 'flap --count 3 goes down and up 3 times, as `events` shows (history and a live follower)', async () => {
    const follower = spawn(process.execPath, [CONLINK, 'events', '--json', '-p', PROJECT], { stdio: ['ignore', 'pipe', 'pipe'] })
    let live = ''
    follower.stdout.on('data', (b: Buffer) => (live += b.toString()))
    try {
      await new Promise((r) => setTimeout(r, 2500)) // the follower connects (node start, exec, node start inside)
      const r = await conlink(['link', 'flap', 'h3:eth0', '--down', '300ms', '--up', '200ms', '--count', '3'])
      assert.equal(r.exitCode, 0, r.stderr)
      const hist = await conlink(['events', '--json', '--history', '--no-follow'])
      const events = hist.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; link: string; detail?: string; time: string })
      const flaps = events.filter((e) => e.link === `${PROJECT}_h3_1:eth0` && /^flap \d\/3$/.test(e.detail ?? ''))
      assert.deepEqual(flaps.map((e) => e.type), ['down', 'up', 'down', 'up', 'down', 'up'])
      assert.ok(flaps.every((e) => !Number.isNaN(Date.parse(e.time))))
      await waitUntil('6 flap events on the live follower', 10_000, async () => (live.match(/"detail":"flap \d\/3"/g) ?? []).length >= 6)
    } finally {
      follower.kill('SIGINT')
    }
    await new Promise((r) => follower.once('exit', r))
    // Ctrl-C on the host ends the command inside the network container too
    const network = await p.id('network')
    await waitUntil('no `conlink events` left in the network container', 10_000, async () =>
      !(await run(['docker', 'top', network, '-o', 'args'], { allowFailure: true })).stdout.includes('conlink events'))
    await p.ping('h1', '10.0.0.100', 1, 5000)
  })

  itLogs(p, 'impair set --rate 1mbit (tbf) slows a 256 kB transfer to h1 measurably; clear restores the speed', async () => {
    await p.exec('h3', ['mkdir', '-p', '/tmp/www'])
    await p.exec('h3', ['dd', 'if=/dev/zero', 'of=/tmp/www/f', 'bs=1024', 'count=256'])
    await p.exec('h3', ['httpd', '-p', '8080', '-h', '/tmp/www'])
    const fetchTime = async () => {
      const t0 = performance.now()
      const r = await p.exec('h1', ['wget', '-q', '-O', '/dev/null', 'http://10.0.0.100:8080/f'])
      assert.equal(r.exitCode, 0, r.stderr)
      return performance.now() - t0
    }
    await waitUntil('httpd in h3 answers', 10_000, async () => (await p.exec('h1', ['wget', '-q', '-O', '/dev/null', 'http://10.0.0.100:8080/f'])).exitCode === 0)
    const before = Math.min(await fetchTime(), await fetchTime())
    const set = await conlink(['impair', 'set', 'h1:eth0', '--rate', '1mbit', '--json'])
    assert.equal(set.exitCode, 0, set.stderr)
    assert.deepEqual(JSON.parse(set.stdout).impairments[0].to, { rate: '1mbit' })
    const slow = await fetchTime()
    const impaired = linkOf(await status(), 'h1:eth0')!
    assert.deepEqual(impaired.impairment.from, { rate: '1mbit' })
    assert.equal(impaired.actual?.qdisc, (await kernel()).netem ? 'netem' : 'tbf')
    assert.equal((await conlink(['impair', 'clear', 'h1:eth0'])).exitCode, 0)
    const afterClear = await fetchTime()
    console.log(`# 256 kB h3 -> h1: ${before.toFixed(0)} ms, with --rate 1mbit ${slow.toFixed(0)} ms, after clear ${afterClear.toFixed(0)} ms`)
    assert.ok(slow > before + 1000 && slow > 3 * before, `1mbit must be measurably slower: ${slow.toFixed(0)} ms vs ${before.toFixed(0)} ms`)
    assert.ok(afterClear < slow / 2, `clear must restore the speed: ${afterClear.toFixed(0)} ms vs ${slow.toFixed(0)} ms impaired`)
    assert.equal(linkOf(await status(), 'h1:eth0')?.actual?.qdisc, 'noqueue')
  })

  itLogs(p, 'netem impairments (delay) on a kernel with netem; a clear error naming sch_netem otherwise', async (t) => {
    const r = await conlink(['impair', 'set', 'h1:eth0', '--delay', '100ms', '--loss', '0%'])
    if (!(await kernel()).netem) {
      assert.notEqual(r.exitCode, 0)
      assert.match(r.stderr, /--delay, --loss on h1:eth0 needs the kernel's netem qdisc \(module sch_netem\)/)
      t.skip('this kernel has no netem (sch_netem): only the clear error is checked')
      return
    }
    assert.equal(r.exitCode, 0, r.stderr)
    const rtt = await p.exec('h1', ['ping', '-c1', '-W3', '10.0.0.100'])
    assert.match(rtt.stdout, /time=(\d{3,})\./)
    assert.equal((await conlink(['impair', 'clear'])).exitCode, 0)
  })

  itLogs(p, 'capture -c 3 h1:eth0 while h1 pings gives a pcap that tcpdump reads as 3 ICMP packets', async () => {
    const pinger = await p.id('h1')
    await run(['docker', 'exec', '-d', pinger, 'ping', '-i', '0.2', '-c', '100', '10.0.0.100'])
    const file = join(scratch, 'h1.pcap')
    const r = await conlink(['capture', 'h1:eth0', '-c', '3', '-w', file])
    assert.equal(r.exitCode, 0, r.stderr)
    const read = await run(['tcpdump', '-n', '-r', file])
    const packets = read.stdout.split('\n').filter(Boolean)
    assert.equal(packets.length, 3, read.stdout)
    assert.ok(packets.every((l) => /ICMP echo (request|reply)/.test(l)), read.stdout)
    // two links: one merged pcapng (tcpdump reads it too), a filter after --
    const merged = join(scratch, 'two.pcapng')
    const two = await conlink(['capture', 'h1:eth0', 'h3:eth0', '-c', '4', '-w', merged, '--', 'icmp'])
    assert.equal(two.exitCode, 0, two.stderr)
    assert.equal(readFileSync(merged).readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header')
    assert.equal((await run(['tcpdump', '-n', '-r', merged])).stdout.split('\n').filter((l) => /ICMP/.test(l)).length, 4)
  })

  itLogs(p, 'a restarted container gets its down link and its impairment back', async () => {
    assert.equal((await conlink(['link', 'down', 'h2:eth0'])).exitCode, 0)
    assert.equal((await conlink(['impair', 'set', 'h3:eth0', '--rate', '2mbit'])).exitCode, 0)
    const pids = { h2: await containerPid(await p.id('h2')), h3: await containerPid(await p.id('h3')) }
    await run(['docker', 'restart', '-t', '1', await p.id('h2'), await p.id('h3')])
    const doc = await waitUntil('h2 and h3 rewired after the restart', 30_000, async () => {
      const d = await status()
      const rewired = ['h2:eth0', 'h3:eth0'].every((n) => linkOf(d, n)?.wiring === 'connected' && linkOf(d, n)?.actual?.exists)
      const newPids = (await containerPid(await p.id('h2'))) !== pids.h2 && (await containerPid(await p.id('h3'))) !== pids.h3
      return rewired && newPids && linkOf(d, 'h3:eth0')?.actual?.qdisc !== 'noqueue' && d
    })
    assert.equal(linkOf(doc, 'h2:eth0')?.desired.state, 'down')
    assert.equal(linkOf(doc, 'h2:eth0')?.actual?.carrier, false)
    assert.match((await p.exec('h2', ['ip', 'link', 'show', 'eth0'])).stdout, /NO-CARRIER/)
    assert.deepEqual(linkOf(doc, 'h3:eth0')?.impairment.to, { rate: '2mbit' })
    assert.equal(linkOf(doc, 'h3:eth0')?.actual?.qdisc, (await kernel()).netem ? 'netem' : 'tbf')
    assert.equal((await conlink(['link', 'up', 'h2:eth0'])).exitCode, 0)
    assert.equal((await conlink(['impair', 'clear', 'h3:eth0'])).exitCode, 0)
    await p.ping('h2', '10.0.0.100', 1, 10_000)
  })

  itLogs(p, 'bad input: unknown link, bad duration or rate: clear message, exit 2', async () => {
    const unknown = await conlink(['link', 'down', 'h4:eth0'])
    assert.equal(unknown.exitCode, 2)
    assert.match(unknown.stderr, /unknown link h4:eth0 \(did you mean h1:eth0, h2:eth0, h3:eth0\?\)/)
    const dev = await conlink(['impair', 'set', 'r0:eth-s4', '--rate', '1mbit'])
    assert.equal(dev.exitCode, 2)
    assert.match(dev.stderr, /did you mean .*r0:eth-s1/)
    const duration = await conlink(['link', 'flap', 'h1:eth0', '--down', '5x', '--up', '1s'])
    assert.equal(duration.exitCode, 2)
    assert.match(duration.stderr, /--down: '5x' is not valid \(write it like 250ms, 1.5s or 2m\)/)
    const rate = await conlink(['impair', 'set', 'h1:eth0', '--rate', 'fast'])
    assert.equal(rate.exitCode, 2)
    assert.match(rate.stderr, /--rate: 'fast' is not valid/)
    const notALink = await conlink(['link', 'down', 'h1'])
    assert.equal(notALink.exitCode, 2)
    assert.match(notALink.stderr, /'h1' is not a link \(write LINK as SERVICE:DEV/)
  })

  itLogs(p, 'no network container, or one without the control socket (older conlink): clear message, non-zero exit', async () => {
    const none = await conlink(['status'], 'ctl13-nosuchproject')
    assert.notEqual(none.exitCode, 0)
    assert.match(none.stderr, /no network container found: no running service network of compose project ctl13-nosuchproject/)
    const noSocket = `${PROJECT}-nosocket`
    const noConlink = `${PROJECT}-noconlink`
    strays.push(noSocket, noConlink)
    await run(['docker', 'rm', '-f', noSocket, noConlink], { allowFailure: true })
    await run(['docker', 'run', '-d', '--name', noSocket, '--network', 'none', CONLINK_IMAGE, 'sleep', '600'])
    await run(['docker', 'run', '-d', '--name', noConlink, '--network', 'none', TEST_IMAGE, 'sleep', '600'])
    const older = await conlink(['status', '--container', noSocket], '')
    assert.notEqual(older.exitCode, 0)
    assert.match(older.stderr, /no control API at \/run\/conlink\/control\.sock in this container/)
    const foreign = await conlink(['link', 'down', 'h1:eth0', '--container', noConlink], '')
    assert.notEqual(foreign.exitCode, 0)
    assert.match(foreign.stderr, /the network container ctl13-noconlink has no conlink control commands/)
  })

  itLogs(p, 'after docker kill of h1, status --check exits 1 and names its link', async () => {
    await run(['docker', 'kill', await p.id('h1')])
    await waitUntil('h1:eth0 not running in status', 15_000, async () => linkOf(await status(), 'h1:eth0')?.wiring === 'not-running')
    const r = await conlink(['status', '--check'])
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.match(r.stderr, /NOT OK: h1:eth0: no running container/)
    assert.match(r.stdout, /NOT OK/)
    assert.doesNotMatch(r.stderr, /h2:eth0|h3:eth0|r0:/)
  })
})
