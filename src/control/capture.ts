// Packet capture with tcpdump (in our image) on the links' outer ends, run in
// the network container. One link: tcpdump's own pcap stream, passed through.
// Several: one tcpdump per link, merged into one pcapng stream whose
// interface blocks carry the link names.
import { PassThrough } from 'node:stream'
import { ConlinkError } from '../errors.js'
import { startProgram } from '../exec.js'
import { log } from '../log.js'
import type { NetContext } from '../net/context.js'
import { inNs } from '../net/executor.js'
import type { Ns } from '../net/ops.js'
import { PcapngMerger } from './pcap.js'

export interface CaptureSide {
  ns: Ns
  dev: string
  /** `container:dev`, the interface name in a merged capture. */
  name: string
}

export const PCAP_TYPE = 'application/vnd.tcpdump.pcap'
export const PCAPNG_TYPE = 'application/x-pcapng'
const STDERR_KEPT = 4096

/** tcpdump writing pcap to stdout, packet by packet; the filter words come last, after `--`, as data. */
export function tcpdumpArgv(ctx: NetContext, side: CaptureSide, count: number | undefined, filter: string[]): string[] {
  const argv = ['tcpdump', '-i', side.dev, '-n', '-U', '--immediate-mode', '-w', '-', ...(count ? ['-c', String(count)] : [])]
  return inNs(ctx, side.ns, filter.length ? [...argv, '--', ...filter] : argv)
}

export interface CaptureRun {
  contentType: string
  output: PassThrough
  /** Resolves once packets can flow (every tcpdump wrote its header); rejects with tcpdump's error. */
  ready: Promise<void>
  stop(): void
}

export function startCapture(ctx: NetContext, sides: CaptureSide[], count: number | undefined, filter: string[]): CaptureRun {
  const output = new PassThrough()
  const merged = sides.length > 1
  let stopping = false
  const procs = sides.map((side) => {
    const argv = tcpdumpArgv(ctx, side, merged ? undefined : count, filter)
    log.detail(`capture: ${argv.join(' ')}`)
    return startProgram(argv)
  })
  const stop = () => {
    stopping = true
    for (const p of procs) p.kill('SIGTERM')
  }
  let markReady: () => void = () => {}
  let fail: (e: Error) => void = () => {}
  let started = false
  const ready = new Promise<void>((resolve, reject) => {
    markReady = () => {
      started = true
      resolve()
    }
    fail = reject
  })
  const merger = merged ? new PcapngMerger(sides.map((s) => s.name), (b) => { markReady(); output.write(b) }, count, stop) : undefined

  procs.forEach((proc, i) => {
    let stderr = ''
    proc.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-STDERR_KEPT)))
    proc.stdout?.on('data', (b: Buffer) => {
      if (merger) {
        try {
          merger.push(i, b)
        } catch (err) {
          fail(err as Error)
          stop()
        }
      } else {
        markReady()
        output.write(b)
      }
    })
    void proc.exited.then((exitCode) => {
      const msg = stderr.split('\n').filter((l) => l && !/^(listening on|\d+ packets)/.test(l)).join('; ')
      if (!started && !stopping) {
        fail(new ConlinkError(`capture on ${sides[i].name} (${sides[i].dev}) failed: ${msg || `tcpdump exit code ${exitCode}`}`))
        stop()
      }
    })
  })
  void Promise.all(procs.map((p) => p.exited)).then(() => output.end())
  return { contentType: merged ? PCAPNG_TYPE : PCAP_TYPE, output, ready, stop }
}
