// Every command, by its name on the command line (oclif "explicit" strategy:
// no directory scan at start-up).
import Capture from './capture.js'
import Config from './config.js'
import Copy from './copy.js'
import Down from './down.js'
import Events from './events.js'
import { ImpairClear, ImpairSet, ImpairShow } from './impair.js'
import { LinkDown, LinkFlap, LinkUp } from './link.js'
import Mdc from './mdc.js'
import Net2dot from './net2dot.js'
import Status from './status.js'
import Up from './up.js'
import Utils from './utils.js'
import Wait from './wait.js'
import Web from './web.js'

export const COMMANDS = {
  config: Config,
  net2dot: Net2dot,
  mdc: Mdc,
  wait: Wait,
  copy: Copy,
  utils: Utils,
  up: Up,
  down: Down,
  status: Status,
  'link:down': LinkDown,
  'link:up': LinkUp,
  'link:flap': LinkFlap,
  'impair:set': ImpairSet,
  'impair:show': ImpairShow,
  'impair:clear': ImpairClear,
  capture: Capture,
  events: Events,
  web: Web,
}
