// The control API: JSON over HTTP (node's http module) on a Unix socket
// inside the network container, never on a network. Routes are listed in
// docs/control.md; errors are `{"error": {message, hint, exitCode}}`.
import { existsSync, lstatSync, mkdirSync, chmodSync, unlinkSync } from 'node:fs'
import { createConnection } from 'node:net'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { dirname } from 'node:path'
import { ConlinkError, describeError, isConlinkError } from '../errors.js'
import { log } from '../log.js'
import type { ControlEvent } from './events.js'
import { DIRECTIONS, type Direction, type Impairment } from './impair.js'
import { parseLinkRef, type LinkRef } from './link-ref.js'
import type { ControlPlane } from './plane.js'
import { parseCount, parseDuration, parsePercent, parseRate, USAGE_EXIT } from './units.js'

export const DEFAULT_CONTROL_SOCKET = '/run/conlink/control.sock'
export const API_PREFIX = '/v1'
const MAX_BODY = 64 * 1024
/** A flap may not run longer than this in total. */
const MAX_FLAP_MS = 3_600_000

type Query = URLSearchParams
type Body = Record<string, unknown>

class HttpError extends ConlinkError {}

function usage(message: string, hint?: string): ConlinkError {
  return new ConlinkError(message, { hint, exitCode: USAGE_EXIT })
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value, null, 2) + '\n'
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = isConlinkError(err) ? err : new ConlinkError(describeError(err))
  const status = e instanceof HttpError ? 404 : e.exitCode === USAGE_EXIT ? 400 : 500
  if (res.headersSent) return void res.destroy(e)
  send(res, status, { error: { message: e.message, hint: e.hint ?? null, exitCode: e.exitCode } })
}

async function readBody(req: IncomingMessage): Promise<Body> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw usage(`request body larger than ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Body
  } catch {
    // reported below
  }
  throw usage('the request body must be a JSON object')
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v))

function indexOf(v: unknown): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : parseCount(String(v), 'index')
}

/** `link` (+ `index`) from a body or query. */
function linkRef(link: unknown, index: unknown): LinkRef {
  if (typeof link !== 'string' || !link) throw usage('a link is required', 'give "link": "SERVICE:DEV"')
  return parseLinkRef(link, indexOf(index))
}

function optionalRef(q: Query): LinkRef | undefined {
  return q.get('link') ? linkRef(q.get('link'), q.get('index')) : undefined
}

/** An impairment from the API's strings (the same forms as the CLI options). */
export function impairmentFrom(b: Body): { impairment: Impairment; direction?: Direction } {
  const imp: Impairment = {}
  if (str(b.delay) !== undefined) imp.delay = parseDuration(str(b.delay)!, '--delay')
  if (str(b.jitter) !== undefined) imp.jitter = parseDuration(str(b.jitter)!, '--jitter')
  for (const k of ['loss', 'corrupt', 'duplicate', 'reorder'] as const) if (str(b[k]) !== undefined) imp[k] = parsePercent(str(b[k])!, `--${k}`)
  if (str(b.rate) !== undefined) imp.rate = parseRate(str(b.rate)!)
  const direction = str(b.direction)
  if (direction !== undefined && !DIRECTIONS.includes(direction as Direction)) throw usage(`--direction ${direction} is not one of ${DIRECTIONS.join(', ')}`)
  return { impairment: imp, direction: direction as Direction | undefined }
}

type Handler = (req: IncomingMessage, res: ServerResponse, q: Query) => Promise<void>

function routes(plane: ControlPlane): Record<string, Handler> {
  return {
    'GET /status': async (_req, res) => send(res, 200, await plane.status()),
    'GET /config': async (_req, res) => send(res, 200, plane.config),
    'POST /links/down': async (req, res) => {
      const b = await readBody(req)
      send(res, 200, { links: await plane.setDown(linkRef(b.link, b.index), true) })
    },
    'POST /links/up': async (req, res) => {
      const b = await readBody(req)
      send(res, 200, { links: await plane.setDown(linkRef(b.link, b.index), false) })
    },
    'POST /links/flap': async (req, res) => {
      const b = await readBody(req)
      const ref = linkRef(b.link, b.index)
      const down = parseDuration(str(b.down) ?? '', '--down')
      const up = parseDuration(str(b.up) ?? '', '--up')
      const count = parseCount(str(b.count) ?? '1', '--count')
      if (count * (down + up) > MAX_FLAP_MS) throw usage('the flap would run longer than an hour', 'lower --count or the durations')
      const abort = new AbortController()
      res.on('close', () => abort.abort())
      send(res, 200, { links: await plane.flap(ref, down, up, count, abort.signal), count })
    },
    'GET /impairments': async (_req, res, q) => send(res, 200, { impairments: plane.impairShow(optionalRef(q)) }),
    'POST /impairments': async (req, res) => {
      const b = await readBody(req)
      const { impairment, direction } = impairmentFrom(b)
      send(res, 200, { impairments: await plane.impairSet(linkRef(b.link, b.index), impairment, direction) })
    },
    'DELETE /impairments': async (_req, res, q) => send(res, 200, { impairments: await plane.impairClear(optionalRef(q)) }),
    'GET /events': async (req, res, q) => streamEvents(plane, req, res, q),
    'GET /capture': async (req, res, q) => {
      const links = q.getAll('link')
      if (!links.length) throw usage('at least one link is required', 'give ?link=SERVICE:DEV')
      const index = indexOf(q.get('index'))
      const refs = links.map((l) => parseLinkRef(l, index))
      const count = q.get('count') ? parseCount(q.get('count')!, '--count') : undefined
      const run = plane.capture(refs, count, q.getAll('filter'))
      res.on('close', () => run.stop())
      try {
        await run.ready
      } catch (err) {
        run.stop()
        throw err
      }
      res.writeHead(200, { 'content-type': run.contentType })
      run.output.pipe(res)
    },
  }
}

/** Events as JSON lines (`application/x-ndjson`), or server-sent events when the client accepts `text/event-stream`. */
function streamEvents(plane: ControlPlane, req: IncomingMessage, res: ServerResponse, q: Query): Promise<void> {
  const sse = (req.headers.accept ?? '').includes('text/event-stream')
  const follow = q.get('follow') !== '0'
  res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson', 'cache-control': 'no-cache' })
  const write = (e: ControlEvent) => res.write(sse ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n` : JSON.stringify(e) + '\n')
  if (q.get('history') === '1') plane.events.history().forEach(write)
  if (!follow) {
    res.end()
    return Promise.resolve()
  }
  const unsubscribe = plane.events.subscribe(write)
  res.on('close', unsubscribe)
  log.detail('control: event stream opened')
  return Promise.resolve()
}

async function handle(table: Record<string, Handler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://conlink')
  try {
    if (!url.pathname.startsWith(API_PREFIX + '/')) throw new HttpError(`no such API path ${url.pathname}`, { hint: `paths start with ${API_PREFIX}/` })
    const route = `${req.method} ${url.pathname.slice(API_PREFIX.length)}`
    const handler = table[route]
    if (!handler) throw new HttpError(`no such API call ${route}`, { hint: 'see docs/control.md' })
    await handler(req, res, url.searchParams)
  } catch (err) {
    sendError(res, err)
  }
}

/** A socket file left by an engine that is gone is removed; one that answers belongs to a running engine. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return
  if (!lstatSync(path).isSocket()) throw new ConlinkError(`${path} exists and is not a socket`, { hint: 'remove it or pass another --control-socket' })
  const answers = await new Promise<boolean>((resolve) => {
    const s = createConnection(path, () => (s.end(), resolve(true)))
    s.on('error', () => resolve(false))
  })
  if (answers) throw new ConlinkError(`another conlink already serves ${path}`, { hint: 'stop it or pass another --control-socket' })
  unlinkSync(path)
}

export interface ControlServer {
  path: string
  close(): Promise<void>
}

/** Serve the control API on the Unix socket `path` (directory 0700, socket 0600: root only). */
export async function startControlServer(plane: ControlPlane, path: string): Promise<ControlServer> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  await clearStaleSocket(path)
  const table = routes(plane)
  const server: Server = createServer((req, res) => void handle(table, req, res))
  server.requestTimeout = 0 // flaps and streams last as long as asked
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  chmodSync(path, 0o600)
  log.info(`Control API listening on ${path}`)
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        try {
          unlinkSync(path)
        } catch {
          // already gone
        }
      }),
  }
}
