// T3, second part: rootless Podman. A non-root user (created here) starts
// ZZZ_node_1 and ZZZ_node_2 with `--network none` under their own rootless
// Podman, then runs `conlink up --mode podman --host-mode podman` from the
// host; the launcher starts a temporary `podman system service` for the
// network container (the user has no socket of their own here) and stops it
// at the end. ZZZ_node_1 pings ZZZ_node_2. Where this machine cannot run
// rootless Podman, the skip reason carries the command and its error.
import assert from 'node:assert/strict'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execa, type ResultPromise } from 'execa'
import { run, type RunResult } from '../../src/exec.js'
import { CONLINK_IMAGE, EXAMPLES, REPO, imagePresent, waitUntil } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const USER = 'conlink-rootless'
const NODES = ['ZZZ_node_1', 'ZZZ_node_2']
const NETWORK = 'ZZZ_network'

interface Account {
  uid: number
  gid: number
  home: string
  runtime: string
}
let account: Account

/** argv run as the test user, with the environment a login would give (no shell). */
function asUser(argv: string[]): string[] {
  const env = [`HOME=${account.home}`, `USER=${USER}`, `LOGNAME=${USER}`, `PATH=${process.env.PATH}`, `XDG_RUNTIME_DIR=${account.runtime}`]
  return ['setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', 'env', '-i', ...env, ...argv]
}
const userRun = (argv: string[], timeoutMs = 60_000): Promise<RunResult> => run(asUser(argv), { allowFailure: true, timeoutMs })
const conlinkArgv = (...args: string[]) => [process.execPath, join(REPO, 'bin/conlink.js'), ...args]

/** The test user (created when missing) and its runtime directory, as logind would make it. */
async function ensureAccount(): Promise<Account> {
  if ((await run(['id', '-u', USER], { allowFailure: true })).exitCode !== 0) await run(['useradd', '--create-home', '--shell', '/bin/bash', USER])
  const uid = Number((await run(['id', '-u', USER])).stdout)
  const gid = Number((await run(['id', '-g', USER])).stdout)
  if (!readFileSync('/etc/subuid', 'utf8').split('\n').some((l) => l.startsWith(`${USER}:`))) {
    await run(['usermod', '--add-subuids', '200000-265535', '--add-subgids', '200000-265535', USER])
  }
  const runtime = `/run/user/${uid}`
  mkdirSync(runtime, { recursive: true })
  chownSync(runtime, uid, gid)
  chmodSync(runtime, 0o700)
  const home = (await run(['getent', 'passwd', USER])).stdout.split(':')[5]
  return { uid, gid, home, runtime }
}

async function imageId(argv: string[]): Promise<string | undefined> {
  const r = await run(argv, { allowFailure: true })
  return r.exitCode === 0 ? r.stdout.trim().replace(/^sha256:/, '') : undefined
}

/** Copy an image from Docker into the user's rootless storage when it differs there. */
async function loadIntoUserPodman(image: string): Promise<void> {
  const want = await imageId(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])
  if (want && (await imageId(asUser(['podman', 'image', 'inspect', '--format', '{{.Id}}', image]))) === want) return
  const dir = mkdtempSync(join(tmpdir(), 't3-rootless-'))
  try {
    chmodSync(dir, 0o755)
    const tar = join(dir, 'image.tar')
    await run(['docker', 'save', '-o', tar, image])
    chmodSync(tar, 0o644)
    const r = await userRun(['podman', 'load', '-q', '-i', tar], 300_000)
    if (r.exitCode !== 0) throw new Error(`podman load (as ${USER}): ${r.stderr}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Why rootless Podman cannot run T3 here: the command and its error, or undefined. */
async function rootlessUnusable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root to create the test user'
  if ((await run(['podman', '--version'], { allowFailure: true })).exitCode !== 0) return 'podman is not installed (scripts/testbed.sh installs it)'
  for (const image of [CONLINK_IMAGE, TEST_IMAGE]) if (!(await imagePresent('docker', image))) return `image ${image} is missing in docker (scripts/testbed.sh builds it)`
  account = await ensureAccount()
  const failed = async (argv: string[]) => {
    const r = await userRun(argv)
    return r.exitCode === 0 ? undefined : `\`${asUser(argv).join(' ')}\` failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`
  }
  const info = await failed(['podman', 'info'])
  if (info) return info
  await loadIntoUserPodman(TEST_IMAGE)
  const container = await failed(['podman', 'run', '--rm', '--network', 'none', TEST_IMAGE, 'true'])
  if (container) return container
  await loadIntoUserPodman(CONLINK_IMAGE)
  return undefined
}

const skip = await rootlessUnusable()
if (skip) console.log(`skipping T3 under rootless Podman: ${skip}`)

/** One name per call: Podman 4.3 `rm -f` skips the rest after a missing name. */
const removeAll = () => Promise.all([NETWORK, ...NODES].map((n) => userRun(['podman', 'rm', '-f', '-t', '0', n])))

/** Sockets of temporary services conlink left in the user's runtime directory (none expected). */
function leftoverServiceFiles(): string[] {
  const dir = join(account.runtime, 'conlink')
  return existsSync(dir) ? readdirSync(dir) : []
}

async function pingUntil(from: string, ip: string): Promise<void> {
  let last: RunResult | undefined
  await waitUntil(`ping ${ip} from ${from}`, 20_000, async () => {
    last = await userRun(['podman', 'exec', from, 'ping', '-c1', '-W1', ip])
    return last.exitCode === 0
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${last?.stdout} ${last?.stderr}`)
  })
}

describe('T3 under rootless Podman', { skip }, () => {
  before(async () => {
    await removeAll()
    for (const n of NODES) {
      const r = await userRun(['podman', 'run', '-d', '--name', n, '--network', 'none', '--cap-add', 'NET_RAW', TEST_IMAGE, 'sleep', '900'])
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })
  after(() => removeAll())

  const upArgs = ['up', '-v', '--mode', 'podman', '--host-mode', 'podman', '--network-file', EXAMPLES + 'test3-network.yaml']
  const runArgs = ['--', '--name', NETWORK, '--rm', '-e', `NODE_NAME_1=${NODES[0]}`, '-e', `NODE_NAME_2=${NODES[1]}`]

  it('conlink up by the user: a temporary Podman service, ZZZ_node_1 pings ZZZ_node_2, Ctrl-C cleans up', async () => {
    // setpriv and env exec the next program: the pid is the launcher's, so SIGINT reaches it
    const [file, ...args] = asUser(conlinkArgv(...upArgs, ...runArgs))
    const launcher: ResultPromise<{ all: true; reject: false }> = execa(file, args, { cwd: REPO, all: true, reject: false })
    let output = ''
    launcher.all.on('data', (d: Buffer) => (output += d.toString()))
    try {
      await waitUntil('"All links connected" from the rootless launcher', 90_000, async () => output.includes('All links connected') || launcher.exitCode != null)
      assert.match(output, /All links connected/, output)
      assert.match(output, /Started a Podman API service for the network container: podman system service --time=0 unix:\/\/\/run\/user\/\d+\/conlink\/ZZZ_network\.podman\.sock/)
      await pingUntil(NODES[0], '172.16.3.2')
      await pingUntil(NODES[1], '172.16.3.1')
    } catch (err) {
      console.error(`----- launcher output -----\n${output}\n-----`)
      throw err
    } finally {
      if (launcher.exitCode === null) launcher.kill('SIGINT')
    }
    const result = await launcher
    assert.equal(result.exitCode, 0, output)
    assert.match(output, /Stopped the Podman API service/)
    assert.notEqual((await userRun(['podman', 'container', 'exists', NETWORK])).exitCode, 0, `${NETWORK} is gone`)
    assert.deepEqual(leftoverServiceFiles(), [], 'socket, pid and log files removed')
  })

  it('conlink up --detach, then conlink down: the service stops with the network container', async () => {
    const up = await userRun(conlinkArgv(...upArgs, '--detach', ...runArgs), 120_000)
    assert.equal(up.exitCode, 0, up.stderr)
    assert.ok(leftoverServiceFiles().some((f) => f.endsWith('.podman.sock')), 'the service outlives the detached launcher')
    await waitUntil('"All links connected" in the network container log', 90_000, async () => {
      const logs = await userRun(['podman', 'logs', NETWORK])
      return (logs.stdout + logs.stderr).includes('All links connected')
    })
    await pingUntil(NODES[0], '172.16.3.2')
    const down = await userRun(conlinkArgv('down', '--mode', 'podman', '--name', NETWORK), 60_000)
    assert.equal(down.exitCode, 0, down.stderr)
    assert.match(down.stderr + down.stdout, /Stopped the Podman API service/)
    assert.deepEqual(leftoverServiceFiles(), [])
  })
})
