// `conlink web` (issue 14) with a real browser: Debian's chromium driven by
// puppeteer-core. T1 up; every link drawn `up`; a CLI `link down` turns the
// element `down` within 2 s without a reload; the page's "up" action brings
// it back (the CLI sees it); screenshots of both states differ in colour
// where the link is drawn. Bad input: no network container, port in use,
// another origin. Screenshots are kept in test-artifacts/web/.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe } from 'node:test'
import { execa } from 'execa'
import type { StatusDocument } from '../../src/control/status.js'
import { ComposeProject, REPO, itLogs, toolsPrerequisite, waitUntil, withLogs } from './compose.js'

const CHROMIUM = '/usr/bin/chromium'
const skip = (await toolsPrerequisite()) ?? (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (scripts/testbed.sh installs the chromium package)`)
const PROJECT = 'web14'
const CONLINK = join(REPO, 'bin/conlink.js')
const ARTIFACTS = join(REPO, 'test-artifacts/web')

async function conlink(args: string[]) {
  const r = await execa(process.execPath, [CONLINK, ...args], { reject: false, timeout: 60_000 })
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 }
}

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Start `conlink web`; resolves with its URL once it listens. */
function startWeb(args: string[]): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  const proc = spawn(process.execPath, [CONLINK, 'web', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proc.stdout!.on('data', (b: Buffer) => (output += b.toString()))
  proc.stderr!.on('data', (b: Buffer) => (output += b.toString()))
  return waitUntil('conlink web listening', 30_000, async () => {
    if (proc.exitCode !== null) throw new Error(`conlink web exited ${proc.exitCode}: ${output}`)
    const m = /listening on (http:\/\/\S+)/.exec(output)
    return m ? { proc, url: m[1], output: () => output } : undefined
  }, 100)
}

describe('conlink web on T1 with chromium', { skip }, () => {
  const p = new ComposeProject(PROJECT, 'test1-compose.yaml')
  let web: Awaited<ReturnType<typeof startWeb>> | undefined
  let browser: import('puppeteer-core').Browser | undefined
  let page: import('puppeteer-core').Page
  let port = 0

  before(() =>
    withLogs(() => p.logs(), async () => {
      await p.up()
      port = await freePort()
      web = await startWeb(['-p', PROJECT, '--listen', `127.0.0.1:${port}`])
      const puppeteer = (await import('puppeteer-core')).default
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless=new'] })
      page = await browser.newPage()
      await page.setViewport({ width: 1400, height: 900 })
      mkdirSync(ARTIFACTS, { recursive: true })
    }),
  )
  after(async () => {
    await browser?.close()
    web?.proc.kill('SIGINT')
    await p.down()
  })

  /** The middle of a link's drawn path, in viewport pixels. */
  const linkPoint = (name: string) =>
    page.$eval(`g[data-name="${name}"] path`, (path) => {
      const el = path as SVGPathElement
      const at = el.getPointAtLength(el.getTotalLength() / 2)
      const m = el.getScreenCTM()!
      return { x: Math.round(m.a * at.x + m.c * at.y + m.e), y: Math.round(m.b * at.x + m.d * at.y + m.f) }
    })

  /** The colour of the screenshot at the middle of a link's drawn path (decoded by the page's own canvas). */
  async function colourAtLink(name: string, file: string): Promise<number[]> {
    const point = await linkPoint(name)
    const png = (await page.screenshot({ encoding: 'base64' })) as string
    writeFileSync(file, Buffer.from(png, 'base64'))
    return page.evaluate(
      async (data: string, x: number, y: number) => {
        const img = new Image()
        img.src = `data:image/png;base64,${data}`
        await img.decode()
        const canvas = document.createElement('canvas')
        canvas.width = img.width
        canvas.height = img.height
        const c = canvas.getContext('2d')!
        c.drawImage(img, 0, 0)
        return [...c.getImageData(x, y, 1, 1).data].slice(0, 3)
      },
      png,
      point.x,
      point.y,
    )
  }

  itLogs(p, 'the page draws every link of T1 with data-state="up"', async () => {
    await page.goto(web!.url)
    const names = ['h1:eth0', 'h2:eth0', 'h3:eth0', 'r0:eth-s1', 'r0:eth-s2', 'r0:eth-s3']
    await page.waitForFunction(
      (n: string[]) => n.every((name) => document.querySelector(`g[data-name="${name}"]`)?.getAttribute('data-state') === 'up'),
      { timeout: 15_000 },
      names,
    )
    const drawn = await page.$$eval('g[data-link]', (gs) => gs.map((g) => [g.getAttribute('data-link'), g.getAttribute('data-state')]))
    assert.deepEqual(drawn.map(([l]) => l).sort(), names.map((n) => `${PROJECT}_${n.replace(':', '_1:')}`).sort())
    assert.ok(drawn.every(([, s]) => s === 'up'))
  })

  itLogs(p, 'a CLI `link down` turns the element down within 2 s, the page\'s "up" action restores it, the colours differ', async () => {
    const upColour = await colourAtLink('h1:eth0', join(ARTIFACTS, 't1-up.png'))
    const reloads: string[] = []
    page.on('framenavigated', (f) => reloads.push(f.url()))
    assert.equal((await conlink(['link', 'down', 'h1:eth0', '-p', PROJECT])).exitCode, 0)
    const t0 = Date.now()
    await page.waitForSelector('g[data-name="h1:eth0"][data-state="down"]', { timeout: 2000 })
    console.log(`# down shown ${Date.now() - t0} ms after the CLI returned`)
    assert.deepEqual(reloads, [], 'no reload')
    const downColour = await colourAtLink('h1:eth0', join(ARTIFACTS, 't1-down.png'))
    const distance = upColour.reduce((sum, c, i) => sum + Math.abs(c - downColour[i]), 0)
    assert.ok(distance > 100, `the link looks different: up rgb(${upColour}) down rgb(${downColour})`)

    const at = await linkPoint('h1:eth0')
    await page.mouse.click(at.x, at.y)
    await page.waitForSelector('g[data-name="h1:eth0"].selected', { timeout: 2000 })
    await page.click('button[data-action="up"]')
    await page.waitForSelector('g[data-name="h1:eth0"][data-state="up"]', { timeout: 10_000 })
    const r = await conlink(['status', '--json', '-p', PROJECT])
    const h1 = (JSON.parse(r.stdout) as StatusDocument).links.find((l) => l.name === 'h1:eth0')!
    assert.equal(h1.desired.state, 'up')
    assert.equal(h1.actual?.carrier, true)
  })

  itLogs(p, 'GET /api/status is the status document; another origin or host is refused (403)', async () => {
    const stateOfH1 = async () => (JSON.parse((await conlink(['status', '--json', '-p', PROJECT])).stdout) as StatusDocument).links.find((l) => l.name === 'h1:eth0')!.desired.state
    const before = await stateOfH1()
    const status = (await (await fetch(`${web!.url}api/status`)).json()) as StatusDocument
    assert.equal(status.version, 1)
    assert.equal(status.links.length, 6)
    const foreign = await fetch(`${web!.url}api/links/down`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ link: 'h1:eth0' }),
    })
    assert.equal(foreign.status, 403)
    const noOrigin = await fetch(`${web!.url}api/links/down`, { method: 'POST', body: '{"link":"h1:eth0"}' })
    assert.equal(noOrigin.status, 403)
    const rebound = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: evil.example', `${web!.url}api/status`], { reject: false })
    if (rebound.exitCode === 0) assert.equal(rebound.stdout, '403')
    assert.equal(await stateOfH1(), before, 'the refused requests changed nothing')
  })

  itLogs(p, 'bad input: no network container, or the port in use: a clear error before listening', async () => {
    const none = await conlink(['web', '-p', 'web14-nosuchproject', '--listen', `127.0.0.1:${await freePort()}`])
    assert.notEqual(none.exitCode, 0)
    assert.match(none.stderr, /no network container found/)
    assert.doesNotMatch(none.stdout, /listening/)
    const busy = await conlink(['web', '-p', PROJECT, '--listen', `127.0.0.1:${port}`])
    assert.notEqual(busy.exitCode, 0)
    assert.match(busy.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`))
  })
})
