// Talking to the control API from inside the network container: HTTP over
// the Unix socket, JSON in and out; streams for events and capture.
import { existsSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { ConlinkError } from '../errors.js'
import { API_PREFIX } from './server.js'

export class ControlClient {
  constructor(readonly socketPath: string) {}

  private noSocket(cause?: unknown): ConlinkError {
    return new ConlinkError(`no control API at ${this.socketPath} in this container`, {
      hint: '`conlink up` is not running here, or it is a version from before the control API (recreate the network container from a current conlink image)',
      cause,
    })
  }

  /** Send a request; resolves with the response once its headers arrived. */
  open(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    if (!existsSync(this.socketPath)) return Promise.reject(this.noSocket())
    const text = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path: API_PREFIX + path,
          headers: { ...headers, ...(text !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }) },
        },
        resolve,
      )
      req.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? this.noSocket(err) : err))
      req.end(text)
    })
  }

  /** A JSON call: the parsed reply, or the API's error as a ConlinkError (same message, hint and exit code). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.open(method, path, body)
    const chunks: Buffer[] = []
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk)
    return parseReply<T>(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))
  }

  /** A streaming call: the response when it is 200, else the API's error. */
  async stream(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const res = await this.open('GET', path, undefined, headers)
    if (res.statusCode === 200) return res
    const chunks: Buffer[] = []
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk)
    return parseReply<never>(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))
  }
}

export function parseReply<T>(status: number, text: string): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConlinkError(`the control API answered ${status} with something that is not JSON: ${text.slice(0, 200)}`)
  }
  const error = (value as { error?: { message?: string; hint?: string | null; exitCode?: number } }).error
  if (status >= 400 || error)
    throw new ConlinkError(error?.message ?? `control API error ${status}`, { hint: error?.hint ?? undefined, exitCode: error?.exitCode ?? 1 })
  return value as T
}

/** A query string from pairs, skipping undefined values; repeated keys allowed. */
export function query(pairs: Array<[string, string | number | undefined]>): string {
  const q = new URLSearchParams()
  for (const [k, v] of pairs) if (v !== undefined) q.append(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
