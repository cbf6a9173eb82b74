import { Flags } from '@oclif/core'
import { indexFlag, linkCommand } from './link-command.js'

const LINK = 'SERVICE:DEV or CONTAINER:DEV'

export const LinkDown = linkCommand({
  summary: 'Take a link down: its outer end goes down, so the container side loses carrier (NO-CARRIER)',
  description: 'The container is untouched. The link stays down, also across restarts of the container, until `conlink link up`.',
  examples: ['conlink link down h1:eth0', 'conlink link down -p demo node:eth0 --index 2'],
  link: LINK,
  flags: indexFlag,
  run: (cli, client, link, flags) => cli.linkStateMain(client, link, flags.index, true),
})

export const LinkUp = linkCommand({
  summary: 'Bring a link taken down with `conlink link down` back up',
  examples: ['conlink link up h1:eth0'],
  link: LINK,
  flags: indexFlag,
  run: (cli, client, link, flags) => cli.linkStateMain(client, link, flags.index, false),
})

export const LinkFlap = linkCommand({
  summary: 'Take a link down and up again, COUNT times (the engine runs it; an interrupted flap leaves the link up)',
  examples: ['conlink link flap h1:eth0 --down 2s --up 5s --count 3'],
  link: LINK,
  flags: {
    ...indexFlag,
    down: Flags.string({ description: 'how long each time down (e.g. 500ms, 2s)', required: true }),
    up: Flags.string({ description: 'how long up between downs', required: true }),
    count: Flags.integer({ description: 'how many times', default: 1, min: 1 }),
  },
  run: (cli, client, link, flags) => cli.flapMain(client, link, flags.index, flags.down, flags.up, flags.count),
})
