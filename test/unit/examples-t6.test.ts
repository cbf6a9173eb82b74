// T6: examples/test6-cfn.yaml cannot be deployed here, so it is checked
// offline: it parses as CloudFormation YAML (short-form tags as js-yaml
// types), every Ref, GetAtt, Sub variable and DependsOn names a parameter,
// resource or pseudo parameter, and each instance's user data (with the
// shared set-up script spliced in) is valid bash that writes .env naming the
// other host and starts T5.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import yaml from 'js-yaml'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
const PSEUDO = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']

/** The short-form intrinsic function tags, each in the node kinds CloudFormation allows. */
const INTRINSICS: [tag: string, fn: string, kinds: ('scalar' | 'sequence' | 'mapping')[]][] = [
  ['Ref', 'Ref', ['scalar']],
  ['GetAtt', 'Fn::GetAtt', ['scalar', 'sequence']],
  ['Sub', 'Fn::Sub', ['scalar', 'sequence']],
  ['Join', 'Fn::Join', ['sequence']],
  ['Base64', 'Fn::Base64', ['scalar', 'mapping']],
  ['FindInMap', 'Fn::FindInMap', ['sequence']],
  ['Select', 'Fn::Select', ['sequence']],
  ['Split', 'Fn::Split', ['sequence']],
  ['GetAZs', 'Fn::GetAZs', ['scalar']],
  ['ImportValue', 'Fn::ImportValue', ['scalar', 'mapping']],
  ['Cidr', 'Fn::Cidr', ['sequence']],
  ['If', 'Fn::If', ['sequence']],
  ['Equals', 'Fn::Equals', ['sequence']],
  ['Not', 'Fn::Not', ['sequence']],
  ['And', 'Fn::And', ['sequence']],
  ['Or', 'Fn::Or', ['sequence']],
  ['Condition', 'Condition', ['scalar']],
]

const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  INTRINSICS.flatMap(([tag, fn, kinds]) =>
    kinds.map(
      (kind) =>
        new yaml.Type(`!${tag}`, {
          kind,
          // `!GetAtt A.B` is the long form's [A, B]
          construct: (data: unknown) => ({ [fn]: tag === 'GetAtt' && typeof data === 'string' ? splitOnce(data) : data }),
        }),
    ),
  ),
)

function splitOnce(s: string): string[] {
  const dot = s.indexOf('.')
  return dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)]
}

interface Template {
  Parameters: Record<string, { Default?: string; AllowedValues?: string[] }>
  Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }>
  Outputs: Record<string, unknown>
}

const template = yaml.load(readFileSync(EXAMPLES + 'test6-cfn.yaml', 'utf8'), { schema: CFN_SCHEMA }) as Template
const resource = (name: string) => template.Resources[name]

type Intrinsic = { fn: string; arg: unknown; path: string }

/** Every intrinsic function call in the tree, with where it is. */
function intrinsics(node: unknown, path = ''): Intrinsic[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => intrinsics(n, `${path}[${i}]`))
  if (node === null || typeof node !== 'object') return []
  const entries = Object.entries(node)
  const own = entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::')) ? [{ fn: entries[0][0], arg: entries[0][1], path }] : []
  return [...own, ...entries.flatMap(([k, v]) => intrinsics(v, `${path}.${k}`))]
}

/** `${Name}` and `${Res.Attr}` placeholders of a Sub template (`${!x}` is a literal). */
function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]).filter((v) => !v.startsWith('!'))
}

/** The text a Sub produces, given values for its variables (`${!x}` becomes `${x}`). */
function substitute(text: string, values: (name: string) => string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, v: string) => (v.startsWith('!') ? '${' + v.slice(1) + '}' : values(v)))
}

test('T6: the template parses with CloudFormation tags and has the expected resources', () => {
  assert.equal((template as unknown as Record<string, unknown>).AWSTemplateFormatVersion, '2010-09-09')
  const types = Object.fromEntries(Object.entries(template.Resources).map(([k, v]) => [k, v.Type]))
  for (const [name, type] of Object.entries({
    Instance1: 'AWS::EC2::Instance',
    Instance2: 'AWS::EC2::Instance',
    Interface1: 'AWS::EC2::NetworkInterface',
    Interface2: 'AWS::EC2::NetworkInterface',
    HostGroup: 'AWS::EC2::SecurityGroup',
    StartedSignal: 'AWS::CloudFormation::WaitConditionHandle',
    Started: 'AWS::CloudFormation::WaitCondition',
  })) assert.equal(types[name], type, name)
  for (const n of [1, 2]) {
    const data = resource(`Instance${n}`).Properties?.UserData as { 'Fn::Base64'?: { 'Fn::Sub'?: unknown } }
    assert.equal(typeof data['Fn::Base64']?.['Fn::Sub'], 'string', `Instance${n} UserData is !Base64 of a !Sub text`)
  }
})

/** Each Ref, GetAtt, Sub variable or DependsOn that names nothing in the template, with where it is. */
function unresolved(t: Template): string[] {
  const params = new Set(Object.keys(t.Parameters))
  const resources = new Set(Object.keys(t.Resources))
  const problems: string[] = []
  const refOk = (name: string) => params.has(name) || resources.has(name) || PSEUDO.includes(name)
  for (const { fn, arg, path } of intrinsics({ Resources: t.Resources, Outputs: t.Outputs })) {
    if (fn === 'Ref' && !refOk(String(arg))) problems.push(`${path}: Ref ${String(arg)}`)
    if (fn === 'Fn::GetAtt') {
      const [res, attr] = arg as string[]
      if (!resources.has(res) || !attr) problems.push(`${path}: GetAtt ${String(arg)}`)
    }
    if (fn === 'Fn::Sub') {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>])
      for (const v of subVariables(text)) {
        const [head, attr] = splitOnce(v)
        if (!(attr !== undefined ? resources.has(head) : refOk(v) || v in vars)) problems.push(`${path}: Sub variable \${${v}}`)
      }
    }
  }
  for (const [name, r] of Object.entries(t.Resources)) {
    for (const d of [r.DependsOn ?? []].flat()) if (!resources.has(d)) problems.push(`Resources.${name}.DependsOn: ${d}`)
  }
  return problems
}

test('T6: every Ref, GetAtt, Sub variable and DependsOn resolves', () => {
  assert.deepEqual(unresolved(template), [])
  const all = intrinsics(template.Resources)
  for (const fn of ['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Base64']) assert.ok(all.some((i) => i.fn === fn), `the template uses ${fn}`)
  assert.ok(intrinsics(template.Outputs).some((i) => i.fn === 'Fn::Join'))
})

test('T6: the resolver finds names that resolve to nothing', () => {
  const broken = yaml.load(
    `Parameters: {P: {Type: String}}
Resources:
  A: {Type: X, DependsOn: [Gone], Properties: {a: !Ref P, b: !Ref Nope, c: !GetAtt Missing.Id, d: !Sub '\${P} \${!shell} \${Ghost.Attr} \${Unknown}'}}
Outputs: {}`,
    { schema: CFN_SCHEMA },
  ) as Template
  assert.deepEqual(unresolved(broken), [
    '.Resources.A.Properties.b: Ref Nope',
    '.Resources.A.Properties.c: GetAtt Missing,Id',
    '.Resources.A.Properties.d: Sub variable ${Ghost.Attr}',
    '.Resources.A.Properties.d: Sub variable ${Unknown}',
    'Resources.A.DependsOn: Gone',
  ])
})

test('T6: the tunnel ports are open between the two hosts only', () => {
  const ingress = Object.values(template.Resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress').map((r) => r.Properties!)
  for (const port of [8472, 6081]) {
    const rule = ingress.find((p) => p.FromPort === port)
    assert.ok(rule, `udp ${port}`)
    assert.equal(rule.IpProtocol, 'udp')
    assert.deepEqual(rule.SourceSecurityGroupId, { 'Fn::GetAtt': ['HostGroup', 'GroupId'] })
  }
  for (const type of template.Parameters.TunnelType.AllowedValues!) assert.ok(existsSync(`${EXAMPLES}test5-${type}-compose.yaml`), type)
})

/** Instance N's user data as the instance sees it, with made-up addresses and parameter defaults. */
function userData(n: 1 | 2): string {
  const address = (i: string) => (i === 'Interface1' ? '10.1.0.11' : '10.1.0.12')
  const setupSub = (resource('HostSetup').Properties!.Value as { 'Fn::Sub': string })['Fn::Sub']
  const value = (name: string): string => {
    const [head, attr] = splitOnce(name)
    if (attr === 'PrimaryPrivateIpAddress') return address(head)
    if (name === 'HostSetup.Value') return substitute(setupSub, value)
    if (name === 'StartedSignal') return 'https://cloudformation-waitcondition.example/signal'
    if (name === 'AWS::StackName') return 'stack'
    const param = template.Parameters[name]
    return param?.Default ?? `PARAM-${name}`
  }
  const sub = (resource(`Instance${n}`).Properties!.UserData as { 'Fn::Base64': { 'Fn::Sub': string } })['Fn::Base64']['Fn::Sub']
  return substitute(sub, value)
}

test('T6: each host names the other as REMOTE, writes .env and starts T5', async () => {
  for (const [n, self, other, node] of [[1, '10.1.0.11', '10.1.0.12', '192.168.100.1'], [2, '10.1.0.12', '10.1.0.11', '192.168.100.2']] as const) {
    const text = userData(n)
    assert.match(text, /^#!\/bin\/bash\n/)
    assert.ok(text.includes(`export REMOTE=${other} NODE_IP=${node}\n`), `host ${n} exports REMOTE=${other}`)
    assert.ok(!text.includes(`REMOTE=${self}`), `host ${n} does not name itself`)
    const steps = [
      'apt-get install -y docker.io docker-compose',
      'modprobe vxlan',
      "git clone --depth 1 --branch 'main' 'PARAM-RepositoryUrl' /root/conlink",
      'bash scripts/build-image.sh',
      `printf 'REMOTE=%s\\nNODE_IP=%s\\n' "\${REMOTE}" "\${NODE_IP}" > .env`,
      'docker-compose --env-file .env -f examples/test5-vxlan-compose.yaml up -d',
      'signal SUCCESS',
    ]
    let at = 0
    for (const step of steps) {
      const found = text.indexOf(step, at)
      assert.ok(found >= 0, `host ${n}: "${step}" after position ${at} in:\n${text}`)
      at = found
    }
    const left = new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]))
    assert.deepEqual(left, new Set(['REMOTE', 'NODE_IP']), 'only shell variables are left')
    const syntax = await execa('bash', ['-n'], { input: text, reject: false })
    assert.equal(syntax.exitCode, 0, `bash -n: ${syntax.stderr}`)
  }
})
