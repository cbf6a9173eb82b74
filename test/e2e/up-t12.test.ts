// T12 live: the k3s cluster of examples/test12-k3s brought up through mdc.
// It needs the k3s image (K3S_IMAGE, default as in the mode's compose file)
// in the local image store; no registry is reachable here, so on this
// machine the test skips, saying so. The offline checks (modes, compose
// config, network config and drawing, start script) are
// test/unit/examples-t12.test.ts.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { execa } from 'execa'
import { ComposeProject, REPO, imagePresent, toolsPrerequisite, waitUntil, withLogs } from './compose.js'

const COMPOSE = join(REPO, 'examples/test12-k3s/modes/k3s/compose.yaml')
const K3S_IMAGE = process.env.K3S_IMAGE ?? readFileSync(COMPOSE, 'utf8').match(/\$\{K3S_IMAGE:-([^}]+)\}/)![1]

async function liveSkipReason(): Promise<string | undefined> {
  const missing = await toolsPrerequisite()
  if (missing) return missing
  if (!(await imagePresent('docker', K3S_IMAGE))) {
    return `image ${K3S_IMAGE} is not in the local image store and no registry is reachable here (load it with \`docker load\`, or set K3S_IMAGE)`
  }
  return undefined
}
const skip = await liveSkipReason()
if (skip) console.log(`skipping T12 live: ${skip}`)

describe('T12: k3s nodes and plain containers on conlink bridge k0', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 't12-'))
  const project = new ComposeProject(`t12${process.pid}`, { cwd: dir, args: ['--env-file', '.env'] }, { MODES_DIR: './modes:./examples/test12-k3s/modes', K3S_IMAGE })
  after(async () => {
    await project.down()
    rmSync(dir, { recursive: true, force: true })
  })

  it('the cluster comes up over k0 and test-client reaches test-server', () =>
    withLogs(() => project.logs(), async () => {
      cpSync(join(REPO, 'modes'), join(dir, 'modes'), { recursive: true })
      cpSync(join(REPO, 'examples/test12-k3s'), join(dir, 'examples/test12-k3s'), { recursive: true })
      cpSync(join(REPO, 'src/tools/sh'), join(dir, 'src/tools/sh'), { recursive: true })
      const mdc = await execa('node', [join(REPO, 'bin/mdc.js'), 'k3s', 'up', '-d'], { cwd: dir, env: project.composeEnv(), reject: false, timeout: 300_000 })
      assert.equal(mdc.exitCode, 0, String(mdc.stderr))
      await project.waitForLog('All links connected', 120_000)
      await waitUntil('three Ready k3s nodes', 300_000, async () => {
        const r = await project.exec('k3s-server', ['kubectl', 'get', 'nodes', '--no-headers'])
        return r.exitCode === 0 && r.stdout.split('\n').filter((l) => / Ready /.test(l)).length === 3
      }, 3000)
      const page = await project.exec('test-client', ['wget', '-q', '-O-', 'http://10.200.0.11:8080/hostname'])
      assert.equal(page.exitCode, 0, page.stderr)
    }))
})
