// Shared by the runtime e2e tests: engine CLI calls and cleanup of h5 containers.
import { run } from '../../src/exec.js'
import { connectEngines, type EngineClient, type EngineKind } from '../../src/runtime/index.js'

export const TEST_IMAGE = 'conlink-test-node'
/** Every container these tests make carries this label, so `after` can find and remove them. */
export const TEST_LABEL = 'h5.test=runtime'
const NO_SOCKET = '/nonexistent/h5.sock'

/** A client for one engine only, or the reason it cannot be used here. */
export async function engineOrReason(kind: EngineKind): Promise<EngineClient | string> {
  const opts = kind === 'docker' ? { dockerSocket: '/var/run/docker.sock', podmanSocket: NO_SOCKET } : { dockerSocket: NO_SOCKET }
  try {
    const [client] = await connectEngines(opts)
    if (client.kind !== kind) return `the ${kind} socket reaches ${client.kind}`
    const image = await run([kind, 'image', 'inspect', TEST_IMAGE], { allowFailure: true })
    if (image.exitCode !== 0) return `image ${TEST_IMAGE} is missing in ${kind} (scripts/build-test-images.sh builds it)`
    return client
  } catch (err) {
    return `${kind} does not answer: ${(err as Error).message}`
  }
}

/** `docker run -d` (or podman) of the test image with the test label; returns the id. */
export async function runTestContainer(kind: EngineKind, name: string, ...cmd: string[]): Promise<string> {
  const args = [kind, 'run', '-d', '--name', name, '--label', TEST_LABEL, '--network', 'none', TEST_IMAGE]
  return (await run([...args, ...(cmd.length ? cmd : ['sleep', '600'])])).stdout.trim()
}

/** Remove every container with the test label (by id). */
export async function removeTestContainers(kind: EngineKind): Promise<void> {
  const ids = (await run([kind, 'ps', '-aq', '--filter', `label=${TEST_LABEL}`], { allowFailure: true })).stdout.split(/\s+/).filter(Boolean)
  for (let i = 0; i < ids.length; i += 50) await run([kind, 'rm', '-f', ...ids.slice(i, i + 50)], { allowFailure: true })
}

/** Resolves with the first value for which `pick` returns something, or rejects after `ms`. */
export function waitFor<T>(what: string, ms: number, subscribe: (found: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    subscribe((v) => {
      clearTimeout(timer)
      resolve(v)
    })
  })
}
