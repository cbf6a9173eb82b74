// Container events from the engine's JSON stream, in either format:
// older Docker `{status, id}`, newer Docker and Podman `{Action, Actor: {ID}}`.
// Podman 4.3 prints `die` but only matches the filter value `died`.
import { StringDecoder } from 'node:string_decoder'

export interface EngineEvent {
  action: 'start' | 'die'
  id: string
  /** The container's name and, from Docker, its labels with `image` and `name` added (Actor.Attributes). */
  attributes?: Record<string, string>
}

/** Event filter values per engine (Podman's compat API filters on its internal name `died`). */
export const EVENT_FILTER = {
  docker: ['start', 'die'],
  podman: ['start', 'die', 'died'],
} as const

const ACTIONS: Record<string, EngineEvent['action']> = { start: 'start', die: 'die', died: 'die' }

export function normalizeEvent(raw: unknown): EngineEvent | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const e = raw as { Type?: string; Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: unknown } }
  if (e.Type !== undefined && e.Type !== 'container') return undefined
  const action = ACTIONS[e.Action ?? e.status ?? '']
  const id = e.Actor?.ID || e.id
  if (!action || !id) return undefined
  const attributes = stringRecord(e.Actor?.Attributes)
  return attributes ? { action, id, attributes } : { action, id }
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
  return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined
}

/**
 * Splits a byte stream into top-level JSON objects, whatever the chunking:
 * a chunk may end mid-object or hold several objects, with or without
 * newlines between them.
 */
export class JsonObjectSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private buffer = ''
  private depth = 0
  private inString = false
  private escaped = false
  /** Offset in `buffer` where the object being read starts. */
  private start = 0

  constructor(
    private readonly onObject: (value: unknown) => void,
    private readonly onBadJson: (text: string, err: unknown) => void = () => undefined,
  ) {}

  push(chunk: string | Buffer): void {
    const scanned = this.buffer.length
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    let consumed = 0
    for (let i = scanned; i < this.buffer.length; i++) {
      const c = this.buffer[i]
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === '\\') this.escaped = true
        else if (c === '"') this.inString = false
      } else if (c === '"') {
        this.inString = true
      } else if (c === '{') {
        if (this.depth++ === 0) this.start = i
      } else if (c === '}' && this.depth > 0) {
        if (--this.depth === 0) {
          this.emit(this.buffer.slice(this.start, i + 1))
          consumed = i + 1
        }
      } else if (this.depth === 0) {
        consumed = i + 1 // whitespace or stray bytes between objects
      }
    }
    this.buffer = this.buffer.slice(consumed)
    this.start -= consumed
  }

  private emit(json: string): void {
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch (err) {
      this.onBadJson(json, err)
      return
    }
    this.onObject(value)
  }
}
