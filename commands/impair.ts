import { Flags } from '@oclif/core'
import { indexFlag, jsonFlag, linkCommand } from './link-command.js'

export const ImpairSet = linkCommand({
  summary: 'Impair a running link: delay, jitter, loss, rate, corruption, duplication, reordering',
  description: `netem on the outer end (--direction to: traffic toward the container) and/or the container end
(from: traffic leaving it); default both for veth links, from for others. A rate alone uses tbf when the kernel has
no netem. Replaces the link's earlier runtime impairment on those ends; survives restarts of the container until
\`conlink impair clear\`.`,
  examples: ['conlink impair set h1:eth0 --delay 100ms --jitter 10ms --loss 1%', 'conlink impair set h1:eth0 --rate 1mbit --direction to'],
  link: 'SERVICE:DEV or CONTAINER:DEV',
  flags: {
    ...indexFlag,
    ...jsonFlag,
    delay: Flags.string({ description: 'added delay, e.g. 100ms' }),
    jitter: Flags.string({ description: 'delay variation (needs --delay), e.g. 10ms' }),
    loss: Flags.string({ description: 'packets dropped, e.g. 5%' }),
    rate: Flags.string({ description: 'bandwidth limit, e.g. 1mbit, 500kbit (tc units)' }),
    corrupt: Flags.string({ description: 'packets with a flipped bit, e.g. 1%' }),
    duplicate: Flags.string({ description: 'packets sent twice, e.g. 1%' }),
    reorder: Flags.string({ description: 'packets sent at once, before delayed ones (needs --delay), e.g. 25%' }),
    direction: Flags.string({ options: ['to', 'from', 'both'], description: 'to the container, from it, or both' }),
  },
  run: (cli, client, link, { index, json, delay, jitter, loss, rate, corrupt, duplicate, reorder, direction }) =>
    cli.impairSetMain(client, link, index, { delay, jitter, loss, rate, corrupt, duplicate, reorder, direction }, json),
})

export const ImpairShow = linkCommand({
  summary: 'Show the runtime impairments (and the config baseline) of one link or all links',
  examples: ['conlink impair show', 'conlink impair show h1:eth0 --json'],
  link: 'SERVICE:DEV or CONTAINER:DEV (default: all)',
  optional: true,
  flags: { ...indexFlag, ...jsonFlag },
  run: (cli, client, link, flags) => cli.impairShowMain(client, link, flags.index, flags.json),
})

export const ImpairClear = linkCommand({
  summary: 'Remove runtime impairments: the link returns to its config (netem baseline or none)',
  examples: ['conlink impair clear h1:eth0', 'conlink impair clear   # every link'],
  link: 'SERVICE:DEV or CONTAINER:DEV (default: every impaired link)',
  optional: true,
  flags: { ...indexFlag, ...jsonFlag },
  run: (cli, client, link, flags) => cli.impairClearMain(client, link, flags.index, flags.json),
})
