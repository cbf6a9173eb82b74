// The engine-facing room: connect, list, inspect, events, exec, own container.
export { connectEngines, DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET, type ConnectOptions } from './connect.js'
export { EngineClient, type ContainerEngine, type EngineKind, type OutputStream } from './client.js'
export { normalizeEvent, JsonObjectSplitter, type EngineEvent } from './events.js'
export { isInsideContainer } from './inside.js'
export { containerIdFromMountinfo, ownContainerId } from './mountinfo.js'
export { toContainerInfo } from './labels.js'
export { mapLimit } from './limit.js'
