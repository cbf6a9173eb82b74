// What the control commands do once they have a client: call the API, print,
// set the exit code. The oclif classes in commands/ only parse flags.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { pipeline } from 'node:stream/promises'
import { ConlinkError } from '../errors.js'
import type { ControlClient } from './client.js'
import { query } from './client.js'
import { formatEvent, type ControlEvent } from './events.js'
import type { ImpairmentView } from './plane.js'
import { parseLinkRef, type LinkRef } from './link-ref.js'
import { impairmentFrom } from './server.js'
import { formatStatus, statusProblems, type StatusDocument } from './status.js'
import { parseCount, parseDuration, USAGE_EXIT } from './units.js'

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : text + '\n')

export interface StatusOptions {
  json: boolean
  check: boolean
  watch: boolean
  intervalMs: number
  /** Print the config the engine runs with instead. */
  config?: boolean
}

export async function statusMain(client: ControlClient, opts: StatusOptions): Promise<void> {
  if (opts.config) return out(JSON.stringify(await client.call('GET', '/config'), null, 2))
  const render = (doc: StatusDocument) => (opts.json ? JSON.stringify(doc, null, opts.watch ? 0 : 2) : formatStatus(doc))
  if (!opts.watch) {
    const doc = await client.call<StatusDocument>('GET', '/status')
    out(render(doc))
    if (opts.check) for (const p of statusProblems(doc)) process.stderr.write(`NOT OK: ${p}\n`)
    if (opts.check && !doc.summary.ok) process.exitCode = 1
    return
  }
  let shown = ''
  for (;;) {
    const doc = await client.call<StatusDocument>('GET', '/status')
    // the time stamp changes every poll: compare without it
    const text = render({ ...doc, time: '' })
    if (text !== shown) {
      shown = text
      if (!opts.json && process.stdout.isTTY !== false) process.stdout.write('\x1b[H\x1b[2J')
      out(render(doc))
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs))
  }
}

function refOf(link: string, index?: number): LinkRef {
  return parseLinkRef(link, index)
}

export async function linkStateMain(client: ControlClient, link: string, index: number | undefined, down: boolean): Promise<void> {
  const ref = refOf(link, index)
  const r = await client.call<{ links: string[] }>('POST', down ? '/links/down' : '/links/up', { link, index: ref.index })
  for (const l of r.links) out(`${l} ${down ? 'down' : 'up'}`)
}

export async function flapMain(client: ControlClient, link: string, index: number | undefined, down: string, up: string, count: number): Promise<void> {
  const ref = refOf(link, index)
  parseDuration(down, '--down')
  parseDuration(up, '--up')
  parseCount(count, '--count')
  const r = await client.call<{ links: string[] }>('POST', '/links/flap', { link, index: ref.index, down, up, count })
  for (const l of r.links) out(`${l} flapped ${count} time${count === 1 ? '' : 's'} (down ${down}, up ${up})`)
}

export interface ImpairFlags {
  delay?: string
  jitter?: string
  loss?: string
  rate?: string
  corrupt?: string
  duplicate?: string
  reorder?: string
  direction?: string
}

function printImpairments(views: ImpairmentView[], json: boolean): void {
  if (json) {
    out(JSON.stringify({ impairments: views }, null, 2))
    return
  }
  const side = (s: Record<string, string> | null) => (s ? Object.entries(s).map(([k, v]) => `${k} ${v}`).join(' ') : '-')
  for (const v of views) out(`${v.link}  to: ${side(v.to)}  from: ${side(v.from)}${v.config ? `  config: ${v.config}` : ''}`)
  if (!views.length) out('no links')
}

export async function impairSetMain(client: ControlClient, link: string, index: number | undefined, f: ImpairFlags, json: boolean): Promise<void> {
  const ref = refOf(link, index)
  impairmentFrom({ ...f }) // bad values fail here, before any call
  const r = await client.call<{ impairments: ImpairmentView[] }>('POST', '/impairments', { link, index: ref.index, ...f })
  printImpairments(r.impairments, json)
}

export async function impairShowMain(client: ControlClient, link: string | undefined, index: number | undefined, json: boolean): Promise<void> {
  if (link) refOf(link, index)
  const r = await client.call<{ impairments: ImpairmentView[] }>('GET', `/impairments${query([['link', link], ['index', index]])}`)
  printImpairments(r.impairments, json)
}

export async function impairClearMain(client: ControlClient, link: string | undefined, index: number | undefined, json: boolean): Promise<void> {
  if (link) refOf(link, index)
  const r = await client.call<{ impairments: ImpairmentView[] }>('DELETE', `/impairments${query([['link', link], ['index', index]])}`)
  printImpairments(r.impairments, json)
}

export interface CaptureOptions {
  links: string[]
  index?: number
  write: string
  count?: number
  filter: string[]
}

export async function captureMain(client: ControlClient, opts: CaptureOptions): Promise<void> {
  if (!opts.links.length) throw new ConlinkError('capture needs at least one LINK', { hint: 'conlink capture h1:eth0 -w out.pcap', exitCode: USAGE_EXIT })
  opts.links.forEach((l) => refOf(l, opts.index))
  if (opts.count !== undefined) parseCount(opts.count, '--count')
  const toStdout = opts.write === '-'
  if (toStdout && process.stdout.isTTY) throw new ConlinkError('refusing to write pcap to a terminal', { hint: 'use -w FILE, or pipe it: -w - | wireshark -k -i -', exitCode: USAGE_EXIT })
  const path = `/capture${query([...opts.links.map((l): [string, string] => ['link', l]), ['index', opts.index], ['count', opts.count], ...opts.filter.map((w): [string, string] => ['filter', w])])}`
  const res = await client.stream(path)
  const sink = toStdout ? process.stdout : createWriteStream(opts.write)
  if (toStdout) {
    res.pipe(process.stdout, { end: false })
    await once(res, 'end')
  } else await pipeline(res, sink)
}

export async function eventsMain(client: ControlClient, opts: { json: boolean; history: boolean; follow: boolean }): Promise<void> {
  const res = await client.stream(`/events${query([['history', opts.history ? 1 : undefined], ['follow', opts.follow ? undefined : 0]])}`)
  let rest = ''
  res.setEncoding('utf8')
  for await (const chunk of res as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines.filter(Boolean)) out(opts.json ? line : formatEvent(JSON.parse(line) as ControlEvent))
  }
}
