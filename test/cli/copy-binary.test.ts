// copy decides text or binary while it copies (one read): a NUL byte anywhere
// means the file is copied byte for byte, never templated.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { copyTree } from '../../src/tools/copy.js'

function trees(t: { after(fn: () => void): void }): { src: string; dst: string } {
  const dir = mkdtempSync(join(tmpdir(), 'copy-binary-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'src'))
  mkdirSync(join(dir, 'dst'))
  return { src: join(dir, 'src'), dst: join(dir, 'dst') }
}

const env = { X: 'value' }

test('copy -T: a NUL after 1 MiB of text with tokens makes the whole file a plain copy', async (t) => {
  const { src, dst } = trees(t)
  const data = Buffer.concat([Buffer.from('{{X}}\n'.repeat(200_000)), Buffer.from([0]), Buffer.from('{{X}} tail')])
  writeFileSync(join(src, 'mixed.bin'), data)
  writeFileSync(join(src, 'plain.txt'), 'a {{X}} b\n')
  assert.equal(await copyTree(src, dst, { template: true, env }), 2)
  assert.ok(readFileSync(join(dst, 'mixed.bin')).equals(data))
  assert.equal(readFileSync(join(dst, 'plain.txt'), 'utf8'), 'a value b\n')
})

test('copy --handlebars: binary files are copied as is; text files are rendered', async (t) => {
  const { src, dst } = trees(t)
  const bin = Buffer.from([0x7b, 0x7b, 0x58, 0x7d, 0x7d, 0])
  writeFileSync(join(src, 'a.bin'), bin)
  writeFileSync(join(src, 'a.txt'), '{{X}}!')
  await copyTree(src, dst, { handlebars: true, env })
  assert.ok(readFileSync(join(dst, 'a.bin')).equals(bin))
  assert.equal(readFileSync(join(dst, 'a.txt'), 'utf8'), 'value!')
})

test('copy --handlebars over 64 MiB: a binary file is copied, a text file is refused and not left behind', async (t) => {
  const { src, dst } = trees(t)
  const big = Buffer.alloc(64 * 1024 * 1024 + 1, 0x61)
  writeFileSync(join(src, 'big.txt'), big)
  await assert.rejects(copyTree(src, dst, { handlebars: true, env }), /big\.txt: too large for --handlebars \(over 64 MiB\)/)
  assert.throws(() => readFileSync(join(dst, 'big.txt')), /ENOENT/)
  rmSync(join(src, 'big.txt'))
  big[big.length - 1] = 0
  writeFileSync(join(src, 'big.bin'), big)
  await copyTree(src, dst, { handlebars: true, env })
  assert.ok(readFileSync(join(dst, 'big.bin')).equals(big))
})
