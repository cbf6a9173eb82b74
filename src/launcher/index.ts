// The host-side launcher: `conlink up` outside a container, and `conlink down`.
export {
  buildRunArgs,
  configMounts,
  containerName,
  CONFIG_DIR,
  LAUNCHER_LABEL,
  NETWORK_CONTAINER_CAPS,
  type ConfigMount,
  type HostMode,
  type LaunchMode,
  type RunArgsOptions,
} from './args.js'
export { launchNetworkContainer, stopNetworkContainer, type DownOptions, type LaunchOptions } from './launch.js'
export { quoteArg, quoteCommand } from './quote.js'
export {
  isRootless,
  podmanServiceArgv,
  rootlessDefaultNetwork,
  rootlessPodmanSocket,
  ROOTLESS_NETWORK,
  serviceFiles,
  startPodmanService,
  stopPodmanService,
  userPodmanSocket,
  type PodmanSocket,
} from './rootless.js'
