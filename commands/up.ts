import { Flags } from '@oclif/core'
import { ConlinkCommand } from '../src/cli.js'
import { configFlags, configOptions, formatFlag, printConfig } from '../src/config/command.js'
import { isInsideContainer } from '../src/runtime/inside.js'
import { isVerbose } from '../src/log.js'
import { DEFAULT_CONTROL_SOCKET } from '../src/control/server.js'

export default class Up extends ConlinkCommand {
  static summary = 'Create and maintain container links (inside the network container), or launch the network container (on a host)'
  static description = `Inside a container: watch Docker/Podman and wire every container the config names as it starts; remove its links when it dies.
On a host: start the network container from the conlink image with the right options, follow its log, and stop it on Ctrl-C.
Extra \`docker run\` options for the network container go after \`--\`.`

  static examples = [
    'conlink up --compose-file examples/test1-compose.yaml   # in the network service of a compose file',
    'conlink up --network-file net.yaml                        # on a host: launches the network container',
    'conlink up --network-file net.yaml --dry-run              # print the docker run command',
  ]

  static strict = false

  static flags = {
    ...configFlags,
    'compose-project': Flags.string({ description: 'compose project whose service links apply (default: the network container\'s own)' }),
    'docker-socket': Flags.string({ description: 'Docker API socket', default: '/var/run/docker.sock' }),
    'podman-socket': Flags.string({ description: 'Podman API socket', default: '/var/run/podman/podman.sock' }),
    'show-config': Flags.boolean({ description: 'print the enriched config as JSON and exit (same as `conlink config`)' }),
    format: formatFlag,
    concurrency: Flags.integer({ description: 'containers wired at the same time', default: 64, min: 1 }),
    inside: Flags.boolean({ allowNo: true, description: 'run the engine here (--inside) or launch the network container (--no-inside); default: detected' }),
    'control-socket': Flags.string({ description: 'control API Unix socket in the network container (`none`: no API)', default: DEFAULT_CONTROL_SOCKET }),
    mode: Flags.string({ options: ['docker', 'podman'], default: 'docker', description: 'host: engine that runs the network container' }),
    'host-mode': Flags.string({ options: ['docker', 'podman', 'none'], description: 'host: engine whose containers are wired (default: --mode)' }),
    image: Flags.string({ description: 'host: conlink image', default: 'conlink:latest' }),
    'host-pid': Flags.integer({
      description: 'process whose network namespace holds the host interfaces (outer-dev) of vlan/macvlan/ipvlan/macvtap/ipvtap links',
      default: 1,
      min: 1,
      env: 'CONLINK_HOST_PID',
    }),
    name: Flags.string({ description: 'host: network container name', default: 'conlink' }),
    network: Flags.string({ description: 'host: network for the network container (needed for forward); default none' }),
    detach: Flags.boolean({ char: 'd', description: 'host: start the network container and return' }),
    'dry-run': Flags.boolean({ description: 'host: print the run command instead of running it' }),
  }

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Up)
    const options = configOptions(flags)
    if (flags['show-config']) return printConfig(options, { format: flags.format })
    if (flags.inside ?? isInsideContainer()) {
      const { runNetworkEngine } = await import('../src/engine/up.js')
      return runNetworkEngine({
        ...options,
        hostPid: flags['host-pid'],
        composeProject: flags['compose-project'],
        dockerSocket: flags['docker-socket'],
        podmanSocket: flags['podman-socket'],
        concurrency: flags.concurrency,
        controlSocket: flags['control-socket'],
      })
    }
    const { launchNetworkContainer } = await import('../src/launcher/index.js')
    const code = await launchNetworkContainer({
      ...options,
      composeProject: flags['compose-project'],
      mode: flags.mode as 'docker' | 'podman',
      hostMode: (flags['host-mode'] ?? flags.mode) as 'docker' | 'podman' | 'none',
      image: flags.image,
      name: flags.name,
      hostPid: flags['host-pid'],
      network: flags.network,
      detach: flags.detach,
      dryRun: flags['dry-run'],
      controlSocket: flags['control-socket'],
      verbose: isVerbose(),
      extraRunArgs: runArgsAfterDashes(this.argv, argv as string[]),
    })
    process.exitCode = code
  }
}

/**
 * The `docker run` options after `--`, in the order given. oclif's parsed argv
 * reorders them (`-- -e A=1 -e B=2` came back as `-e -e A=1 B=2`), so take
 * them from the raw argv.
 */
function runArgsAfterDashes(raw: string[], parsed: string[]): string[] {
  const dashes = raw.indexOf('--')
  return dashes >= 0 ? raw.slice(dashes + 1) : parsed
}
