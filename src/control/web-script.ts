// The live page's script (runs in the browser; plain JavaScript, no
// libraries): colours link edges from the status document, which arrives by
// server-sent events, and sends the same actions as the CLI to this origin.
export const LIVE_SCRIPT = String.raw`
(() => {
  const edges = () => [...document.querySelectorAll('g.conlink-link')]
  let doc = null
  let selected = null

  const sideText = (s) => (s ? Object.entries(s).map(([k, v]) => k + ' ' + v).join(' ') : '-')
  const stateOf = (l) => {
    if (!l || l.wiring === 'not-running' || !l.actual) return 'missing'
    if (l.desired.state === 'down' || !l.actual.carrier) return 'down'
    if (l.impairment.to || l.impairment.from) return 'impaired'
    return 'up'
  }
  // services are drawn as their replica 1
  const statusOf = (name) => {
    const all = doc ? doc.links.filter((l) => l.name === name) : []
    return all.find((l) => l.index === 1) || all[0]
  }
  const details = (l) => !l ? 'no status' : [
    'link: ' + (l.link || l.name),
    'container: ' + (l.container || '-') + '   dev: ' + l.dev,
    'state: ' + stateOf(l) + (l.actual ? ' (' + l.actual.state + (l.actual.carrier ? ', carrier' : ', no carrier') + ')' : ''),
    'addresses: ' + (l.actual ? l.actual.addresses.join(', ') || '-' : '-'),
    'mtu: ' + (l.actual ? l.actual.mtu : '-') + '   mac: ' + (l.actual ? l.actual.mac : '-'),
    'rx: ' + (l.stats ? l.stats.rx.bytes + ' B, ' + l.stats.rx.packets + ' pkts, ' + l.stats.rx.dropped + ' drops' : '-'),
    'tx: ' + (l.stats ? l.stats.tx.bytes + ' B, ' + l.stats.tx.packets + ' pkts, ' + l.stats.tx.dropped + ' drops' : '-'),
    'impairment: to ' + sideText(l.impairment.to) + '; from ' + sideText(l.impairment.from) + (l.impairment.config ? '; config ' + l.impairment.config : ''),
    ...(l.problems.length ? ['problems: ' + l.problems.join('; ')] : []),
  ].join('\n')

  function apply(next) {
    doc = next
    for (const g of edges()) {
      const l = statusOf(g.dataset.name)
      g.dataset.state = stateOf(l)
      if (l && l.link) g.dataset.link = l.link
      const title = g.querySelector('title')
      if (title) title.textContent = details(l)
    }
    const s = doc.summary
    document.getElementById('summary').textContent =
      s.links + ' links: ' + s.up + ' up, ' + s.down + ' down as asked, ' + s.problems + ' with problems — ' + (s.ok ? 'OK' : 'NOT OK')
    showSelected()
  }

  function showSelected() {
    for (const g of edges()) g.classList.toggle('selected', g.dataset.name === selected)
    document.getElementById('selected').textContent = selected ? details(statusOf(selected)) : 'click a link'
    document.getElementById('actions').hidden = !selected
  }

  async function act(method, path, body) {
    const note = document.getElementById('result')
    note.textContent = '...'
    const r = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
    const reply = await r.json().catch(() => ({}))
    note.textContent = r.ok ? 'done' : 'error: ' + ((reply.error && reply.error.message) || r.status)
  }

  document.getElementById('graph').addEventListener('click', (e) => {
    const g = e.target.closest('g.conlink-link')
    if (!g) return
    selected = g.dataset.name
    showSelected()
  })
  const link = () => ({ link: selected, index: (statusOf(selected) || {}).index || undefined })
  document.getElementById('actions').addEventListener('click', (e) => {
    const action = e.target.dataset && e.target.dataset.action
    if (!action || !selected) return
    if (action === 'down' || action === 'up') return act('POST', '/api/links/' + action, link())
    if (action === 'clear') return act('DELETE', '/api/impairments?link=' + encodeURIComponent(selected))
    if (action === 'impair') {
      const body = link()
      for (const k of ['delay', 'jitter', 'loss', 'rate']) {
        const v = document.getElementById('imp-' + k).value.trim()
        if (v) body[k] = v
      }
      body.direction = document.getElementById('imp-direction').value
      return act('POST', '/api/impairments', body)
    }
  })

  // a wide invisible copy of each link's line makes it easy to click
  for (const g of edges()) {
    const line = g.querySelector('path')
    if (!line) continue
    const hit = line.cloneNode()
    hit.classList.add('hit')
    g.appendChild(hit)
  }

  const log = document.getElementById('events')
  const source = new EventSource('/events')
  source.addEventListener('status', (e) => apply(JSON.parse(e.data)))
  source.addEventListener('problem', (e) => (document.getElementById('result').textContent = JSON.parse(e.data).message))
  for (const type of ['created', 'deleted', 'failed', 'down', 'up', 'impairment-changed'])
    source.addEventListener(type, (e) => {
      const ev = JSON.parse(e.data)
      const line = document.createElement('div')
      line.textContent = ev.time.slice(11, 23) + ' ' + ev.type + ' ' + ev.link + (ev.detail ? ' ' + ev.detail : '')
      log.prepend(line)
      while (log.childNodes.length > 200) log.lastChild.remove()
    })
  fetch('/api/status').then((r) => r.json()).then(apply).catch(() => {})
})()
`

export const LIVE_ASIDE = `<aside>
<h2>Selected link</h2>
<pre id="selected">click a link</pre>
<div id="actions" hidden>
<button data-action="down">down</button><button data-action="up">up</button>
<div>delay <input id="imp-delay" placeholder="100ms"> jitter <input id="imp-jitter" placeholder="10ms"></div>
<div>loss <input id="imp-loss" placeholder="1%"> rate <input id="imp-rate" placeholder="1mbit"></div>
<div>direction <select id="imp-direction"><option>both</option><option>to</option><option>from</option></select>
<button data-action="impair">impair</button><button data-action="clear">clear</button></div>
</div>
<div id="result"></div>
<h2>Events</h2>
<div id="events"></div>
</aside>`
