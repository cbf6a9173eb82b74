// The runtime control room: the plane (overrides, status, events) inside
// the engine, its HTTP API on a Unix socket, and the clients.
import { describeError } from '../errors.js'
import { log } from '../log.js'
import type { NetworkEngine } from '../engine/engine.js'
import { ControlPlane } from './plane.js'
import { startControlServer, type ControlServer } from './server.js'

export { ControlPlane } from './plane.js'

/** Serve the plane on `socketPath` (`none` = no API). The API is optional: a failure is a warning, never the end of the engine. */
export async function serveControl(plane: ControlPlane, engine: NetworkEngine, socketPath: string | undefined): Promise<ControlServer | undefined> {
  plane.attach(engine)
  if (!socketPath || socketPath === 'none') return undefined
  try {
    return await startControlServer(plane, socketPath)
  } catch (err) {
    log.warn(`control API not available: ${describeError(err)}`)
    return undefined
  }
}

