/**
 * Each Lambda function's role in infra/template.yaml, simulated with an independent IAM policy
 * evaluator (@cloud-copilot/iam-simulate) against every AWS SDK command that function's bundle can
 * send, at the resource it sends it to. The commands are found by bundling each function's entry
 * (esbuild) and reading `new XCommand(` in every source file that lands in the bundle, so a new
 * call in the code fails here until the template allows it (or the table below says why not).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { build } from 'esbuild';
import { LAMBDA_FUNCTIONS } from '../../../scripts/build-lambda';
import { loadTemplate, type Json } from '../../support/cfn-template';

const ROOT = path.join(__dirname, '../../..');
const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const PARAMS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::StackName': 'charter-bot',
  GuestBucket: 'jada-guests',
  GuestDistributionId: 'E2EXAMPLE12345',
  SccEventsTable: 'scc-events',
  SccEventsExternalIdIndex: 'externalId-index',
  SecretName: 'charter-bot',
};
const ARNS = {
  BookingsTable: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/charter-bot-BookingsTable-1ABC`,
  SlackLogGroup: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/charter-bot-slack:*`,
  PipelineLogGroup: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/charter-bot-pipeline:*`,
  PipelineFailures: `arn:aws:sqs:${REGION}:${ACCOUNT}:charter-bot-PipelineFailures-1ABC`,
};
const arnOf = (logicalId: string): string => (ARNS as Record<string, string>)[logicalId] ?? `UNKNOWN:${logicalId}`;

/** What each command is sent to, by the file that sends it. */
const TARGETS = {
  bookingsTable: ARNS.BookingsTable,
  /** The state table's sparse index of current bookings (src/pipeline/dynamodb-store.ts). */
  currentBookings: `${ARNS.BookingsTable}/index/current-bookings`,
  sccTable: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/scc-events`,
  /** SccEventsExternalIdIndex, when the operator sets it (the template then attaches PipelineSccIndexPolicy). */
  sccIndex: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/scc-events/index/externalId-index`,
  guestPage: 'arn:aws:s3:::jada-guests/jada-guest-0123456789ab.html',
  guestCalendar: 'arn:aws:s3:::jada-guests/jada-guest-0123456789ab.ics',
  doctorProbe: 'arn:aws:s3:::jada-guests/charter-doctor-probe-a1b2c3d4e5f6.txt',
  distribution: `arn:aws:cloudfront::${ACCOUNT}:distribution/E2EXAMPLE12345`,
} as const;
type Target = keyof typeof TARGETS;

const SENT_TO: Record<string, Target[]> = {
  'src/pipeline/dynamodb-store.ts:PutItem': ['bookingsTable'],
  'src/pipeline/dynamodb-store.ts:GetItem': ['bookingsTable'],
  'src/pipeline/dynamodb-store.ts:Scan': ['bookingsTable'],
  'src/pipeline/dynamodb-store.ts:Query': ['currentBookings'],
  'src/pipeline/dynamodb-store.ts:BatchGetItem': ['bookingsTable'],
  'src/pipeline/dynamodb-store.ts:DescribeTable': ['bookingsTable'],
  'src/integrations/revenue-guard.ts:GetItem': ['sccTable'],
  'src/integrations/revenue-guard.ts:UpdateItem': ['sccTable'],
  // Every SCC item with the booking's externalId: a bounded Scan of SCC's table (no index we own).
  'src/integrations/revenue-guard.ts:Scan': ['sccTable'],
  // Only with SCC_EVENTS_EXTERNAL_ID_INDEX (parameter SccEventsExternalIdIndex): a Query of that GSI.
  'src/integrations/revenue-guard.ts:Query': ['sccIndex'],
  // Before repeating an SCC PATCH whose earlier attempt may have landed: does SCC's item show it already?
  'src/integrations/scc-item.ts:GetItem': ['sccTable'],
  'src/integrations/guest-site.ts:PutObject': ['guestPage', 'guestCalendar'],
  'src/integrations/guest-site.ts:CreateInvalidation': ['distribution'],
  'src/doctor/checks.ts:PutObject': ['doctorProbe'],
  'src/doctor/checks.ts:DeleteObject': ['doctorProbe'],
  'src/doctor/checks.ts:GetDistribution': ['distribution'],
  'src/doctor/checks.ts:DescribeTable': ['sccTable'],
};

/** Commands in a bundle that the function never sends, and why. */
const NEVER_SENT: Record<string, { functions: string[]; why: string }> = {
  'src/pipeline/dynamodb-store.ts:CreateTable': { functions: ['slack', 'pipeline'], why: 'only with createTable: true (tests, sandbox); the Lambda app opens an existing table' },
  'src/integrations/revenue-guard.ts:GetItem': { functions: ['slack'], why: 'the Slack function runs no pipeline step (autoRun: false), guest page refreshes included; the stream starts steps in the pipeline function' },
  'src/integrations/revenue-guard.ts:UpdateItem': { functions: ['slack'], why: 'as above' },
  'src/integrations/revenue-guard.ts:Scan': { functions: ['slack'], why: 'as above' },
  'src/integrations/revenue-guard.ts:Query': { functions: ['slack'], why: 'as above' },
  'src/integrations/scc-item.ts:GetItem': { functions: ['slack'], why: 'as above: the SCC PATCH steps run in the pipeline function' },
  'src/integrations/guest-site.ts:PutObject': { functions: ['slack'], why: 'as above: a refresh is written by the Slack function and run by the pipeline function' },
  'src/integrations/guest-site.ts:CreateInvalidation': { functions: ['slack'], why: 'as above' },
  'src/doctor/checks.ts:PutObject': { functions: ['pipeline'], why: 'the doctor runs on /charter doctor, a Slack request; the pipeline function serves none' },
  'src/doctor/checks.ts:DeleteObject': { functions: ['pipeline'], why: 'as above' },
  'src/doctor/checks.ts:GetDistribution': { functions: ['pipeline'], why: 'as above' },
  'src/doctor/checks.ts:DescribeTable': { functions: ['pipeline'], why: 'as above' },
};

const SERVICES: Record<string, string> = { '@aws-sdk/client-s3': 's3', '@aws-sdk/client-cloudfront': 'cloudfront', '@aws-sdk/client-dynamodb': 'dynamodb' };

/** `file:Command` → IAM action, for every AWS SDK command constructed in the bundle's own sources. */
async function commandsOf(entry: string): Promise<Map<string, string>> {
  const result = await build({ absWorkingDir: ROOT, entryPoints: [entry], bundle: true, platform: 'node', write: false, metafile: true, packages: 'external', logLevel: 'silent', outfile: 'out.js' });
  const out = new Map<string, string>();
  for (const input of Object.keys(result.metafile.inputs).filter((i) => i.startsWith('src/'))) {
    const text = readFileSync(path.join(ROOT, input), 'utf8');
    const serviceOf = new Map<string, string>();
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim().replace(/^type\s+/, ''))) if (SERVICES[m[2] ?? '']) serviceOf.set(name, SERVICES[m[2] ?? ''] ?? '');
    }
    for (const m of text.matchAll(/new (\w+)Command\(/g)) {
      const service = serviceOf.get(`${m[1]}Command`);
      if (!service) throw new Error(`${input}: ${m[1]}Command is not imported from a known AWS SDK client`);
      out.set(`${input}:${m[1]}`, `${service}:${m[1]}`);
    }
  }
  return out;
}

const template = loadTemplate();

function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') {
    const o = value as Json;
    if ('Fn::Sub' in o) {
      return String(o['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name.endsWith('.Arn')) return arnOf(name.slice(0, -4));
        return PARAMS[name] ?? `UNKNOWN:${name}`;
      });
    }
    if ('Fn::GetAtt' in o) {
      const [res, attr] = o['Fn::GetAtt'] as [string, string];
      return attr === 'Arn' ? arnOf(res) : `UNKNOWN:${res}.${attr}`;
    }
    if ('Ref' in o) return PARAMS[String(o.Ref)] ?? `UNKNOWN:${String(o.Ref)}`;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

function roleOf(functionId: string): { name: string; policies: { name: string; policy: unknown }[] } {
  const roleId = (template.Resources[functionId]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = template.Resources[roleId];
  const policies = (role?.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({ name: p.PolicyName, policy: resolve(p.PolicyDocument) }));
  // Policies attached separately (AWS::IAM::RolePolicy), each as if its condition held: the
  // parameters above set every optional one.
  for (const r of Object.values(template.Resources)) {
    if (r.Type === 'AWS::IAM::RolePolicy' && (r.Properties.RoleName as { Ref?: string }).Ref === roleId) {
      policies.push({ name: String(r.Properties.PolicyName), policy: resolve(r.Properties.PolicyDocument) });
    }
  }
  return { name: roleId, policies };
}

async function simulate(functionId: string, action: string, resource: string): Promise<string> {
  const role = roleOf(functionId);
  const res = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/charter-bot-${role.name}`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
      identityPolicies: role.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    } as never,
    {},
  );
  if (res.resultType === 'error') throw new Error(`${action} on ${resource}: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

const FUNCTIONS: Record<keyof typeof LAMBDA_FUNCTIONS, string> = { slack: 'SlackFunction', pipeline: 'PipelineFunction' };

describe.each(Object.entries(LAMBDA_FUNCTIONS))('%s function (%s)', (name, entry) => {
  const functionId: string = FUNCTIONS[name as keyof typeof FUNCTIONS];

  it('is allowed every AWS SDK command its bundle can send, at the resource it sends it to', async () => {
    const commands = await commandsOf(entry);
    expect(commands.size).toBeGreaterThan(3);
    const denied: string[] = [];
    const unknown: string[] = [];
    for (const [where, action] of commands) {
      if (NEVER_SENT[where]?.functions.includes(name)) continue;
      const targets = SENT_TO[where];
      if (!targets) {
        unknown.push(`${where} (${action}): add where it is sent to SENT_TO`);
        continue;
      }
      for (const target of targets) {
        const result = await simulate(functionId, action, TARGETS[target]);
        if (result !== 'Allowed') denied.push(`${where}: ${action} on ${TARGETS[target]} → ${result}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(denied).toEqual([]);
  }, 60_000);
});

it('rests on what the exclusions assume: the Lambda app runs no pipeline in the Slack function and never creates the table', () => {
  const lambdaApp = readFileSync(path.join(ROOT, 'src/lambda-app.ts'), 'utf8');
  expect(lambdaApp).toMatch(/autoRun: false/);
  expect(lambdaApp).not.toMatch(/createTable: true/);
});

describe('least privilege, by the same simulator', () => {
  it.each([
    ['SlackFunction', 's3:DeleteObject', TARGETS.guestPage],
    ['SlackFunction', 's3:PutObject', TARGETS.guestPage],
    ['SlackFunction', 'cloudfront:CreateInvalidation', TARGETS.distribution],
    ['PipelineFunction', 's3:DeleteObject', TARGETS.doctorProbe],
    ['SlackFunction', 'dynamodb:UpdateItem', TARGETS.sccTable],
    ['SlackFunction', 'dynamodb:DeleteItem', TARGETS.bookingsTable],
    ['PipelineFunction', 'cloudfront:GetDistribution', TARGETS.distribution],
    ['SlackFunction', 's3:PutObject', 'arn:aws:s3:::jada-guests/index.html'],
    ['SlackFunction', 'cloudfront:CreateInvalidation', `arn:aws:cloudfront::${ACCOUNT}:distribution/EOTHERDIST`],
    ['SlackFunction', 'dynamodb:Scan', TARGETS.sccTable],
    ['PipelineFunction', 'dynamodb:Query', TARGETS.sccTable],
    ['PipelineFunction', 'dynamodb:Query', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/scc-events/index/other-index`],
    ['SlackFunction', 'dynamodb:Query', TARGETS.sccIndex],
    ['SlackFunction', 'dynamodb:Query', TARGETS.bookingsTable],
    ['PipelineFunction', 'dynamodb:Query', `${ARNS.BookingsTable}/index/other-index`],
  ])('%s may not %s on %s', async (functionId, action, resource) => {
    expect(await simulate(functionId, action, resource ?? '')).toBe('ImplicitlyDenied');
  });
});
