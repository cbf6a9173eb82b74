// The engine-facing room: connect, list, inspect, events, exec, own container.
export { connectEngines, DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET, type ConnectOptions } from './connect.js'
export { EngineClient, announcedInfo, type ContainerEngine, type EngineKind, type OutputStream } from './client.js'
export type { EngineEvent } from './events.js'
export { containerIdFromMountinfo } from './mountinfo.js'
export { mapLimit } from './limit.js'
