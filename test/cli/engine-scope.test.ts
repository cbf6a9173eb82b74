// Which compose project service links match, and the start-up line saying so (issue 12).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { ROOT } from './tools-cli.js'

/** Run matchScope in a child process (this one's stdout belongs to the test runner); its stdout and result. */
function scope(own: object | undefined, composeProject?: string): { out: string; result: unknown } {
  const script = `
    import { matchScope } from './src/engine/up.ts'
    const result = await matchScope([{ ownContainer: async () => (${JSON.stringify(own ?? null)}) ?? undefined }], ${JSON.stringify(composeProject)})
    console.log('RESULT ' + JSON.stringify(result))`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  return { out: lines.slice(0, -1).join('\n'), result: JSON.parse(lines.at(-1)!.replace(/^RESULT /, '')) }
}

test('no compose project (conlink up --network-file on a host): any project, and the log says so', () => {
  const { out, result } = scope(undefined)
  assert.deepEqual(result, {})
  assert.match(out, /not in a compose project: service links match containers of ANY compose project \(use --compose-project NAME/)
})

test('own compose project, or --compose-project: that project, logged', () => {
  const own = scope({ name: 'net_1', project: 'p1', workingDir: '/w' })
  assert.deepEqual(own.result, { project: 'p1', workingDir: '/w' })
  assert.match(own.out, /compose project p1: service links match containers of that project/)
  const given = scope(undefined, 'p2')
  assert.deepEqual(given.result, { project: 'p2' })
  assert.match(given.out, /compose project p2 \(--compose-project\)/)
})
