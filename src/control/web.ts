// `conlink web`: a page on the host showing the running network. The server
// reaches the network container the way every host command does (the
// engine's exec API: `conlink status --json`, `conlink events --json`, ...),
// listens on loopback unless told otherwise, and accepts changes only from
// its own page (Host and Origin checked).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import { ConlinkError, describeError } from '../errors.js'
import { log } from '../log.js'
import type { NetworkConfig } from '../config/types.js'
import { networkToDot } from '../graph/dot.js'
import { graphPage, markLinkEdges } from '../graph/html.js'
import { dotToSvg } from '../graph/svg.js'
import { collectInNetworkContainer, runInNetworkContainer, type NetworkContainer } from './host.js'
import { parseLinkRef } from './link-ref.js'
import { impairmentFrom } from './server.js'
import { USAGE_EXIT } from './units.js'
import { LIVE_ASIDE, LIVE_SCRIPT } from './web-script.js'

export const DEFAULT_LISTEN = '127.0.0.1:8088'
const MAX_BODY = 16 * 1024
/** While a page is open, counters are refreshed this often even without events. */
const REFRESH_MS = 3000
const RECONNECT_MS = 2000

export interface Listen {
  host: string
  port: number
}

export function parseListen(text: string): Listen {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text)
  const port = m ? Number(m[3]) : NaN
  if (!m || !(port >= 1 && port <= 65535))
    throw new ConlinkError(`--listen ${text} is not HOST:PORT`, { hint: `e.g. ${DEFAULT_LISTEN} or [::1]:8088`, exitCode: USAGE_EXIT })
  return { host: m[1] ?? m[2], port }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/** Host header values that mean this server (others are refused: DNS rebinding). */
export function allowedHosts(listen: Listen): Set<string> {
  const names = isLoopback(listen.host) ? ['localhost', '127.0.0.1', '[::1]'] : []
  names.push(listen.host.includes(':') ? `[${listen.host}]` : listen.host)
  return new Set(names.map((n) => `${n}:${listen.port}`))
}

/** Why a request is refused (403), or undefined: the Host must be ours; a change must come from our own page. */
export function refusal(method: string, headers: IncomingMessage['headers'], hosts: Set<string>): string | undefined {
  const host = headers.host ?? ''
  if (!hosts.has(host)) return `host ${host || '(none)'} is not this server`
  if (method === 'GET' || method === 'HEAD') return undefined
  if (headers.origin !== `http://${host}`) return `changes are accepted only from this page (origin ${headers.origin ?? 'none'})`
  const site = headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return `changes are accepted only from this page (sec-fetch-site ${site})`
  return undefined
}

export interface WebOptions {
  target: NetworkContainer
  listen: Listen
  /** Flags passed on to each command run in the network container (e.g. --control-socket). */
  innerFlags: string[]
}

class Upstream {
  private status?: string
  private refreshing?: Promise<void>
  private again = false
  readonly clients = new Set<ServerResponse>()
  private readonly stop = new AbortController()

  constructor(private readonly opts: WebOptions) {}

  /** `conlink ARGV` in the network container; a non-zero exit becomes its error message. */
  async run(argv: string[]): Promise<string> {
    const r = await collectInNetworkContainer(this.opts.target, [...argv, ...this.opts.innerFlags], this.stop.signal)
    if (r.code !== 0) {
      const message = r.stderr.split('\n').filter(Boolean).map((l) => l.replace(/^ERROR: /, '')).join('; ') || `exit code ${r.code}`
      throw new ConlinkError(message, { exitCode: r.code })
    }
    return r.stdout
  }

  async config(): Promise<NetworkConfig> {
    return JSON.parse(await this.run(['status', '--config'])) as NetworkConfig
  }

  async currentStatus(): Promise<string> {
    if (!this.status) await this.refresh()
    return this.status!
  }

  /** Read the status again and push it to every page; calls while one runs are folded into one more. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true
      return this.refreshing
    }
    this.refreshing = (async () => {
      do {
        this.again = false
        try {
          this.status = JSON.stringify(JSON.parse(await this.run(['status', '--json'])))
          this.broadcast('status', this.status)
        } catch (err) {
          this.broadcast('problem', JSON.stringify({ message: describeError(err) }))
        }
      } while (this.again && !this.stop.signal.aborted)
    })().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  broadcast(event: string, data: string): void {
    for (const res of this.clients) res.write(`event: ${event}\ndata: ${data}\n\n`)
  }

  /** Follow `conlink events --json` in the network container for as long as we run. */
  async follow(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const out = new PassThrough()
      let rest = ''
      out.on('data', (b: Buffer) => {
        const lines = (rest + b.toString()).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines.filter(Boolean)) {
          let type: string
          try {
            type = (JSON.parse(line) as { type: string }).type
          } catch {
            log.warn(`events: not an event: ${line.slice(0, 200)}`)
            continue
          }
          this.broadcast(type, line)
          void this.refresh()
        }
      })
      const err = new PassThrough()
      err.on('data', (b: Buffer) => log.warn(`events: ${b.toString().trim()}`))
      try {
        await runInNetworkContainer(this.opts.target, ['events', '--json', ...this.opts.innerFlags], out, err, { stopOnSignals: false, stop: this.stop.signal })
      } catch (e) {
        log.warn(`events from ${this.opts.target.name}: ${describeError(e)}`)
      }
      if (!this.stop.signal.aborted) await new Promise((r) => setTimeout(r, RECONNECT_MS))
    }
  }

  close(): void {
    this.stop.abort()
    for (const res of this.clients) res.end()
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8')
    if (text.length > MAX_BODY) throw new ConlinkError('request body too large', { exitCode: USAGE_EXIT })
  }
  try {
    const v = JSON.parse(text || '{}') as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // below
  }
  throw new ConlinkError('the request body must be a JSON object', { exitCode: USAGE_EXIT })
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(text)
}

/** The LINK (+ index) of an action, checked here before anything runs in the network container. */
function linkArgs(link: unknown, index: unknown): string[] {
  if (typeof link !== 'string') throw new ConlinkError('a link is required', { exitCode: USAGE_EXIT })
  const ref = parseLinkRef(link, index === undefined || index === null ? undefined : Number(index))
  return [link, ...(ref.index !== undefined ? ['--index', String(ref.index)] : [])]
}

async function handle(up: Upstream, page: string, hosts: Set<string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://conlink')
  const refused = refusal(req.method ?? 'GET', req.headers, hosts)
  if (refused) return sendJson(res, 403, { error: { message: refused } })
  const route = `${req.method} ${url.pathname}`
  try {
    switch (route) {
      case 'GET /':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' })
        return void res.end(page)
      case 'GET /api/status':
        return sendJson(res, 200, await up.currentStatus())
      case 'GET /events':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
        up.clients.add(res)
        req.on('close', () => up.clients.delete(res))
        return void up.currentStatus().then((s) => res.write(`event: status\ndata: ${s}\n\n`), () => undefined)
      case 'POST /api/links/down':
      case 'POST /api/links/up': {
        const b = await readJson(req)
        await up.run(['link', route.endsWith('down') ? 'down' : 'up', ...linkArgs(b.link, b.index)])
        break
      }
      case 'POST /api/impairments': {
        const b = await readJson(req)
        impairmentFrom(b)
        const opts = ['delay', 'jitter', 'loss', 'rate', 'corrupt', 'duplicate', 'reorder', 'direction'].flatMap((k) =>
          b[k] === undefined || b[k] === '' ? [] : [`--${k}`, String(b[k])],
        )
        await up.run(['impair', 'set', ...linkArgs(b.link, b.index), ...opts])
        break
      }
      case 'DELETE /api/impairments':
        await up.run(['impair', 'clear', ...(url.searchParams.get('link') ? linkArgs(url.searchParams.get('link'), url.searchParams.get('index') ?? undefined) : [])])
        break
      default:
        return sendJson(res, 404, { error: { message: `no such page ${route}` } })
    }
    void up.refresh()
    sendJson(res, 200, { ok: true })
  } catch (err) {
    const e = err instanceof ConlinkError ? err : new ConlinkError(describeError(err))
    sendJson(res, e.exitCode === USAGE_EXIT ? 400 : 500, { error: { message: e.describe() } })
  }
}

export interface WebServer {
  url: string
  close(): Promise<void>
}

/** Read the config, render the page, then listen. Errors (no container, port in use) come before listening. */
export async function startWeb(opts: WebOptions): Promise<WebServer> {
  const up = new Upstream(opts)
  const config = await up.config()
  const svg = markLinkEdges(await dotToSvg(networkToDot(config)))
  const page = graphPage(svg, { title: `conlink: ${opts.target.name}`, header: '<span id="summary"></span>', aside: LIVE_ASIDE, script: LIVE_SCRIPT })
  const hosts = allowedHosts(opts.listen)
  const server = createServer((req, res) => void handle(up, page, hosts, req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new ConlinkError(`${opts.listen.host}:${opts.listen.port} is already in use`, { hint: 'stop what listens there (another conlink web?) or pass --listen HOST:PORT' })
          : new ConlinkError(`cannot listen on ${opts.listen.host}:${opts.listen.port}: ${err.message}`),
      ),
    )
    server.listen(opts.listen.port, opts.listen.host, () => resolve())
  })
  void up.follow()
  const timer = setInterval(() => up.clients.size && void up.refresh(), REFRESH_MS)
  const shownHost = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host
  return {
    url: `http://${shownHost}:${opts.listen.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer)
        up.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
