// Reading the classic pcap stream tcpdump writes (`-w -`) and merging several
// into one pcapng stream, with one interface block per link named
// `container:dev` so Wireshark shows where each packet was seen.

export interface PcapHeader {
  linktype: number
  snaplen: number
  /** Timestamps in nanoseconds (magic a1b23c4d) instead of microseconds. */
  nano: boolean
}

export interface PcapPacket {
  seconds: number
  fraction: number
  data: Buffer
  originalLength: number
}

/** Incremental pcap parser: push chunks, get the header once and then whole packets. */
export class PcapReader {
  private buffer: Buffer = Buffer.alloc(0)
  private little = true
  header?: PcapHeader

  constructor(
    private readonly onHeader: (h: PcapHeader) => void,
    private readonly onPacket: (p: PcapPacket) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    if (!this.header && !this.readHeader()) return
    while (this.buffer.length >= 16) {
      const u32 = (at: number) => (this.little ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at))
      const captured = u32(8)
      if (this.buffer.length < 16 + captured) return
      this.onPacket({ seconds: u32(0), fraction: u32(4), originalLength: u32(12), data: Buffer.from(this.buffer.subarray(16, 16 + captured)) })
      this.buffer = this.buffer.subarray(16 + captured)
    }
  }

  private readHeader(): boolean {
    if (this.buffer.length < 24) return false
    const magicLE = this.buffer.readUInt32LE(0)
    const magicBE = this.buffer.readUInt32BE(0)
    const known = [0xa1b2c3d4, 0xa1b23c4d]
    if (known.includes(magicLE)) this.little = true
    else if (known.includes(magicBE)) this.little = false
    else throw new Error(`not a pcap stream (magic ${magicLE.toString(16)})`)
    const u32 = (at: number) => (this.little ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at))
    this.header = { nano: u32(0) === 0xa1b23c4d, snaplen: u32(16), linktype: u32(20) & 0xffff }
    this.buffer = this.buffer.subarray(24)
    this.onHeader(this.header)
    return true
  }
}

function block(type: number, body: Buffer): Buffer {
  const length = 12 + body.length
  const out = Buffer.alloc(length)
  out.writeUInt32LE(type, 0)
  out.writeUInt32LE(length, 4)
  body.copy(out, 8)
  out.writeUInt32LE(length, length - 4)
  return out
}

function option(code: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4)
  padded.writeUInt16LE(code, 0)
  padded.writeUInt16LE(value.length, 2)
  value.copy(padded, 4)
  return padded
}

const END_OF_OPTIONS = Buffer.alloc(4)

/** Section header block: little-endian, version 1.0, unknown section length. */
export function sectionHeader(): Buffer {
  const body = Buffer.alloc(16)
  body.writeUInt32LE(0x1a2b3c4d, 0)
  body.writeUInt16LE(1, 4)
  body.writeUInt16LE(0, 6)
  body.writeBigInt64LE(-1n, 8)
  return block(0x0a0d0d0a, body)
}

/** Interface description block with if_name and if_tsresol (6 = microseconds, 9 = nanoseconds). */
export function interfaceBlock(name: string, h: PcapHeader): Buffer {
  const fixed = Buffer.alloc(8)
  fixed.writeUInt16LE(h.linktype, 0)
  fixed.writeUInt32LE(h.snaplen, 4)
  const options = [option(2, Buffer.from(name, 'utf8')), option(9, Buffer.from([h.nano ? 9 : 6])), END_OF_OPTIONS]
  return block(1, Buffer.concat([fixed, ...options]))
}

/** Enhanced packet block for interface `iface`. */
export function packetBlock(iface: number, h: PcapHeader, p: PcapPacket): Buffer {
  const ts = BigInt(p.seconds) * (h.nano ? 1_000_000_000n : 1_000_000n) + BigInt(p.fraction)
  const fixed = Buffer.alloc(20)
  fixed.writeUInt32LE(iface, 0)
  fixed.writeUInt32LE(Number(ts >> 32n), 4)
  fixed.writeUInt32LE(Number(ts & 0xffffffffn), 8)
  fixed.writeUInt32LE(p.data.length, 12)
  fixed.writeUInt32LE(p.originalLength, 16)
  const data = Buffer.alloc(Math.ceil(p.data.length / 4) * 4)
  p.data.copy(data)
  return block(6, Buffer.concat([fixed, data]))
}

/**
 * Merges N pcap streams into one pcapng stream: the section and all
 * interface blocks once every input has sent its header, then packets in
 * the order they arrive. `onDone` once `count` packets were written.
 */
export class PcapngMerger {
  private readonly readers: PcapReader[]
  private readonly queued: Array<[number, PcapPacket]> = []
  private started = false
  private written = 0

  constructor(
    private readonly names: string[],
    private readonly write: (b: Buffer) => void,
    private readonly count: number | undefined,
    private readonly onDone: () => void,
  ) {
    this.readers = names.map((_, i) => new PcapReader(() => this.maybeStart(), (p) => this.packet(i, p)))
  }

  push(input: number, chunk: Buffer): void {
    this.readers[input].push(chunk)
  }

  private maybeStart(): void {
    if (this.started || this.readers.some((r) => !r.header)) return
    this.started = true
    this.write(Buffer.concat([sectionHeader(), ...this.readers.map((r, i) => interfaceBlock(this.names[i], r.header!))]))
    for (const [i, p] of this.queued.splice(0)) this.packet(i, p)
  }

  private packet(input: number, p: PcapPacket): void {
    if (this.count !== undefined && this.written >= this.count) return
    if (!this.started) {
      this.queued.push([input, p])
      return
    }
    this.write(packetBlock(input, this.readers[input].header!, p))
    if (++this.written === this.count) this.onDone()
  }
}
