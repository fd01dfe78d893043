/**
 * infra/template.yaml read as CloudFormation: short-form intrinsic tags parsed into their long
 * forms, then least-privilege IAM and secret handling checked statement by statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../../src/config';
import { DEFAULT_CHECKLIST, DEFAULT_WHAT_TO_BRING } from '../../../src/booking/operator-defaults';
import { GUEST_REWRITE_FILE } from '../../../src/edge/load';
import { CURRENT_INDEX_DEFINITION, CURRENT_KEY } from '../../../src/pipeline/dynamodb-store';
import { brokenRules, functionEnvironment, loadTemplate, parameterValues, roleStatements, type Json } from '../../support/cfn-template';

const template = loadTemplate();
const resources = template.Resources;
const parameters = template.Parameters;
const statements = () => roleStatements(template);
type Statement = ReturnType<typeof statements>[number]['statement'];

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourceList = (s: Statement) => (Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource]);

describe('infra/template.yaml', () => {
  it('parses with CloudFormation tags into a SAM template with both functions and the state table', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(resources.SlackFunction?.Type).toBe('AWS::Serverless::Function');
    expect(resources.PipelineFunction?.Type).toBe('AWS::Serverless::Function');
    expect(resources.BookingsTable?.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    // The index the store Queries, exactly as ensureTable creates it (tests and the sandbox).
    expect(resources.BookingsTable?.Properties.GlobalSecondaryIndexes).toEqual([CURRENT_INDEX_DEFINITION]);
    expect(resources.BookingsTable?.Properties.AttributeDefinitions).toContainEqual({ AttributeName: CURRENT_KEY, AttributeType: 'S' });
    const globals = (template.Globals as { Function: Json }).Function;
    expect(['nodejs20.x', 'nodejs22.x']).toContain(globals.Runtime);
    expect(resources.SlackFunction?.Properties.FunctionUrlConfig).toEqual({ AuthType: 'NONE' });
    expect((template.Outputs as Json).SlackEventsUrl).toEqual({ Description: expect.any(String), Value: { 'Fn::Sub': '${SlackFunctionUrl.FunctionUrl}slack/events' } });
  });

  it('starts the pipeline function from the table stream at LATEST, with bounded retries, bisection and partial batch responses', () => {
    const events = resources.PipelineFunction?.Properties.Events as Record<string, { Type: string; Properties: Json }>;
    const stream = Object.values(events).find((e) => e.Type === 'DynamoDB');
    expect(stream?.Properties).toMatchObject({
      Stream: { 'Fn::GetAtt': ['BookingsTable', 'StreamArn'] },
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(stream?.Properties.MaximumRetryAttempts).toEqual(expect.any(Number));
    expect(stream?.Properties.MaximumRetryAttempts as number).toBeLessThanOrEqual(10);
    const pattern = JSON.parse(((stream?.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]?.Pattern) ?? '{}');
    expect(pattern.dynamodb.NewImage.state.S.sort()).toEqual(['approved', 'running']);
  });

  it("names the periodic schedule after the stack, so a second stack in one account and region deploys (SAM's default name is the logical id)", () => {
    const events = resources.PipelineFunction?.Properties.Events as Record<string, { Type: string; Properties: Json }>;
    const schedules = Object.values(events).filter((e) => e.Type === 'ScheduleV2');
    expect(schedules).toHaveLength(1);
    expect(schedules.map((e) => e.Properties.Name)).toEqual([{ 'Fn::Sub': '${AWS::StackName}-periodic-tick' }]);
  });

  it('gives every IAM statement for S3, CloudFront and DynamoDB a specific resource, never *', () => {
    const scoped = statements().filter(({ statement }) => actions(statement).some((a) => /^(s3|cloudfront|dynamodb):/.test(a)));
    expect(scoped.length).toBeGreaterThanOrEqual(6);
    for (const { statement } of scoped) {
      expect(actions(statement).every((a) => !a.includes('*'))).toBe(true);
      for (const r of resourceList(statement)) {
        expect(r).not.toBe('*');
        expect(JSON.stringify(r)).not.toMatch(/"\*"|:::\*|table\/\*"/);
      }
    }
    // And no statement anywhere is Resource '*'.
    for (const { statement } of statements()) expect(resourceList(statement)).not.toContain('*');
  });

  it('scopes each service to exactly the resource the issue names', () => {
    const all = statements().map((s) => s.statement);
    const resourcesFor = (action: string) => all.filter((s) => actions(s).includes(action)).flatMap(resourceList);
    const guestPages = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${GuestBucket}/jada-guest-*' };
    const doctorProbe = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${GuestBucket}/charter-doctor-probe-*' };
    // The Slack function writes the doctor's probe only; guest pages are the pipeline function's (refreshes included).
    expect(resourcesFor('s3:PutObject')).toEqual([doctorProbe, guestPages]);
    // Only the doctor's probe objects can be deleted; never a guest page.
    expect(resourcesFor('s3:DeleteObject')).toEqual([doctorProbe]);
    for (const r of resourcesFor('cloudfront:CreateInvalidation')) expect(r).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${GuestDistributionId}' });
    expect(resourcesFor('dynamodb:UpdateItem')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}' }]);
    expect(resourcesFor('dynamodb:PutItem')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }]);
    // The revenue guard scans SCC's table for every item with the booking's externalId.
    expect(resourcesFor('dynamodb:Scan')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}' }]);
    expect(resourcesFor('dynamodb:GetRecords')).toEqual([{ 'Fn::Sub': '${BookingsTable.Arn}/stream/*' }]);
    // Both functions list current bookings: a Query of that index only, and reads of what it lists.
    const currentIndex = { 'Fn::Sub': '${BookingsTable.Arn}/index/current-bookings' };
    // (The role policies; Query on the SCC index is the optional PipelineSccIndexPolicy, below.)
    expect(resourcesFor('dynamodb:Query')).toEqual([currentIndex, currentIndex]);
    expect(resourcesFor('dynamodb:BatchGetItem')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }]);
    const allActions = all.flatMap(actions);
    expect(allActions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:PutObject', 's3:PutObject']);
    expect(allActions.filter((a) => a.startsWith('cloudfront:')).sort()).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetDistribution']);
  });

  it('takes secrets only as Secrets Manager dynamic references, never as literals or parameter defaults', () => {
    const variables = ((template.Globals as { Function: { Environment: { Variables: Json } } }).Function.Environment.Variables);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DASHBOARD_TOKEN', 'SCC_SERVICE_KEY']) {
      expect(variables[name]).toEqual({ 'Fn::Sub': `{{resolve:secretsmanager:\${SecretName}:SecretString:${name}}}` });
    }
    const text = readFileSync(path.join(__dirname, '../../../infra/template.yaml'), 'utf8');
    expect(text).not.toMatch(/xox[abp]-|xapp-/);
    for (const [name, p] of Object.entries(parameters)) {
      if (/token|secret|key|password/i.test(name) && name !== 'SecretName') expect(p.NoEcho).toBe(true);
    }
    // The iCal feeds' URLs carry tokens: a masked parameter, passed only when set.
    expect(parameters.IcalFeeds).toMatchObject({ NoEcho: true, Default: '' });
    expect(variables.CHARTER_ICAL_FEEDS).toEqual({ 'Fn::If': ['HasIcalFeeds', { Ref: 'IcalFeeds' }, { Ref: 'AWS::NoValue' }] });
    expect(variables.CHARTER_ICAL_POLL_MINUTES).toEqual({ Ref: 'IcalPollMinutes' });
  });

  it('keeps logs for a set number of days, and each function logs only to its own group', () => {
    const groups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual(['PipelineLogGroup', 'SlackLogGroup']);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    expect(resources.SlackFunction?.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: 'SlackLogGroup' } });
    expect(resources.PipelineFunction?.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: 'PipelineLogGroup' } });
  });

  it('deploys the guest-rewrite CloudFront Function (cloudfront-js-2.0, published) with exactly the code of src/edge/guest-rewrite.js, ARN as an output', () => {
    const fn = resources.GuestRewriteFunction;
    expect(fn?.Type).toBe('AWS::CloudFront::Function');
    expect(fn?.Properties.AutoPublish).toBe(true);
    expect((fn?.Properties.FunctionConfig as Json).Runtime).toBe('cloudfront-js-2.0');
    expect(String(fn?.Properties.FunctionCode).trimEnd()).toBe(readFileSync(GUEST_REWRITE_FILE, 'utf8').trimEnd());
    expect(String(fn?.Properties.FunctionCode).length).toBeLessThan(10 * 1024);
    expect((template.Outputs as Json).GuestRewriteFunctionArn).toMatchObject({ Value: { 'Fn::GetAtt': ['GuestRewriteFunction', 'FunctionARN'] } });
  });
});

/**
 * Variables the configuration reads that the template deliberately does not pass: each has no
 * meaning on Lambda. A variable added to src/config.ts must be passed by the template (a parameter
 * an operator sets) or added here with its reason — never silently left unsettable on Lambda.
 */
const NOT_ON_LAMBDA: Record<string, string> = {
  PORT: 'the Function URL invokes the handler; nothing listens on a port',
  SLACK_APP_TOKEN: 'Socket Mode needs a long-lived connection; on Lambda Slack calls the Function URL (HTTP mode)',
  SLACK_API_URL: "Slack's own Web API; only tests and the sandbox point it at a local stand-in",
  AWS_REGION: 'Lambda sets it to the function\'s region (a reserved variable the template may not set)',
  CHARTER_SWEEP_MS: 'the sweeper runs once per PeriodicTick (EventBridge Scheduler, every minute); the interval it sets is read only by a long-lived process',
};

/** What Lambda and Secrets Manager put in the environment, as a deploy would resolve it. */
const SECRETS: Record<string, string> = {
  SLACK_BOT_TOKEN: `xoxb-${'1'.repeat(13)}-${'2'.repeat(13)}-${'a'.repeat(24)}`,
  SLACK_SIGNING_SECRET: 'f'.repeat(32),
  DASHBOARD_TOKEN: 'd'.repeat(48),
  SCC_SERVICE_KEY: 's'.repeat(48),
};
const REQUIRED_PARAMETERS = {
  Approvers: 'U0APPROVER1,U0APPROVER2',
  DashboardUrl: 'https://abc123.lambda-url.us-west-2.on.aws',
  SccApiUrl: 'https://abc123.execute-api.us-west-2.amazonaws.com/prod',
  SccEventsTable: 'scc-events',
  GuestBucket: 'queenofsandiego.com',
  GuestDistributionId: 'E1TESTDIST',
};

/** The environment a function starts with after a deploy with these parameters. */
function deployedEnv(given: Record<string, string> = {}): Record<string, string> {
  const env = functionEnvironment(template, { parameters: parameterValues(template, { ...REQUIRED_PARAMETERS, ...given }), resources: { BookingsTable: 'charter-bot-BookingsTable-1ABC2DEF' } });
  for (const [name, value] of Object.entries(env)) {
    const secret = /^\{\{resolve:secretsmanager:[^:]+:SecretString:(\w+)\}\}$/.exec(value)?.[1];
    if (secret) env[name] = SECRETS[secret] ?? `missing secret ${secret}`;
  }
  return { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack', AWS_REGION: 'us-west-2' };
}
const rulesBroken = (given: Record<string, string>) => brokenRules(template, { parameters: parameterValues(template, { ...REQUIRED_PARAMETERS, ...given }) });
const globalVariables = () => (template.Globals as { Function: { Environment: { Variables: Json } } }).Function.Environment.Variables;

/** The parameter a variable is set from: `!Ref P` or `!If [HasP, !Ref P, !Ref AWS::NoValue]`. */
function parameterOf(variable: string): { name: string; optional: boolean } | undefined {
  const v = globalVariables()[variable] as Json | undefined;
  if (v && typeof v.Ref === 'string' && v.Ref in parameters) return { name: v.Ref, optional: false };
  const ifs = v?.['Fn::If'] as [string, Json, Json] | undefined;
  if (ifs && typeof ifs[1].Ref === 'string') return { name: ifs[1].Ref, optional: true };
  return undefined;
}

describe('what an operator can set on Lambda', () => {
  it('passes every variable the configuration reads, or names it as meaningless on Lambda', () => {
    const passed = new Set(Object.keys(globalVariables()));
    for (const r of Object.values(resources)) for (const k of Object.keys((r.Properties?.Environment as { Variables?: Json } | undefined)?.Variables ?? {})) passed.add(k);
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
    const forgotten = CONFIG_VARIABLES.filter((k) => !passed.has(k) && !(k in NOT_ON_LAMBDA));
    expect(forgotten).toEqual([]);
    // The list stays honest: each entry is still read, and none is passed after all.
    expect(Object.keys(NOT_ON_LAMBDA).filter((k) => !CONFIG_VARIABLES.includes(k) || passed.has(k))).toEqual([]);
    // And nothing is passed that the configuration no longer reads.
    expect([...passed].filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
  });

  it('names every variable it leaves out, and why, where the template passes the rest', () => {
    const text = readFileSync(path.join(__dirname, '../../../infra/template.yaml'), 'utf8');
    for (const name of Object.keys(NOT_ON_LAMBDA)) expect(text).toContain(name);
  });

  it('passes an optional parameter only when it is set, so an empty one leaves the built-in default', () => {
    const optional = Object.entries(parameters).filter(([, p]) => p.Default === '');
    expect(optional.length).toBeGreaterThanOrEqual(15);
    for (const [name] of optional) {
      const variable = Object.keys(globalVariables()).find((k) => parameterOf(k)?.name === name);
      expect({ name, variable, optional: variable && parameterOf(variable)?.optional }).toEqual({ name, variable: expect.any(String), optional: true });
      expect(deployedEnv()[variable ?? '']).toBeUndefined();
    }
  });

  it('starts with only the required parameters, and every default is the one the configuration uses on its own', () => {
    const env = deployedEnv();
    const loaded = loadConfig(env);
    expect(loaded).toMatchObject({ ok: true });
    // Parameters passed always (with a default shown in the console) change nothing against the variable left unset.
    const always = Object.keys(globalVariables()).filter((k) => parameterOf(k)?.optional === false && parameters[parameterOf(k)?.name ?? '']?.Default !== undefined);
    expect(always).toEqual(expect.arrayContaining(['CHARTER_CAPACITY', 'CHARTER_CREW_RATE', 'CHARTER_PORT_FEE_PERCENT', 'CHARTER_STEP_TIMEOUT_MS', 'CHARTER_LEASE_MS', 'LOG_LEVEL']));
    for (const variable of always) {
      if (['GUEST_SITE_URL'].includes(variable)) continue; // required by the configuration: the template's default is the operator's site
      const { [variable]: _dropped, ...without } = env;
      const unset = loadConfig(without);
      expect({ variable, config: unset.ok && unset.config }).toEqual({ variable, config: loaded.ok && loaded.config });
    }
  });

  it("keeps every number parameter's limits inside what the configuration accepts", () => {
    const numbers = Object.entries(parameters).filter(([, p]) => p.Type === 'Number' && p.AllowedValues === undefined);
    expect(numbers.length).toBeGreaterThanOrEqual(10);
    for (const [name, p] of numbers) {
      for (const bound of ['MinValue', 'MaxValue'] as const) {
        expect({ name, bound, set: p[bound] !== undefined }).toEqual({ name, bound, set: true });
        const result = loadConfig(deployedEnv({ [name]: String(p[bound]) }));
        expect({ name, bound, problems: result.ok ? [] : result.problems }).toEqual({ name, bound, problems: [] });
      }
    }
    for (const [name, p] of Object.entries(parameters).filter(([, q]) => Array.isArray(q.AllowedValues))) {
      for (const value of p.AllowedValues as unknown[]) expect({ name, value, ok: loadConfig(deployedEnv({ [name]: String(value) })).ok }).toEqual({ name, value, ok: true });
    }
  });

  it.each([
    ['CrewRate', ['25', '25.5', '25.50', '0'], ['25.505', '$25', '-1', '']],
    ['PortFeePercent', ['18', '17.5', '0', '100'], ['101', '18%', '']],
    ['DockMapUrl', ['', 'https://maps.app.goo.gl/abc'], ['maps.google.com/x', 'https://a b']],
    ['SccEventsExternalIdIndex', ['', 'externalId-index'], ['a b']],
    // Before 2026-12-07 these deployed and then failed every invocation (the Function URL answered 502).
    ['OpsChannel', ['', 'C012ABCDEF', 'G0PRIVATE1'], ['#charter-ops', 'charter-ops', 'c012abcdef']],
    ['CrewChannel', ['', 'C0CREW0001'], ['#crew', 'U0CAPTAIN1']],
    ['GuestSiteUrl', ['https://queenofsandiego.com', 'https://queenofsandiego.com/'], ['https://queenofsandiego.com/g', 'queenofsandiego.com', 'https://x.com/?a=1']],
    ['SccApiUrl', ['https://abc123.execute-api.us-west-2.amazonaws.com/prod', 'https://scc.cloudfront.network.example/prod'], ['abc123.execute-api.us-west-2.amazonaws.com/prod', '', 'https://d111abcdef8.cloudfront.net', 'https://d111abcdef8.cloudfront.net/prod', 'https://d111abcdef8.cloudfront.net:443/prod']],
    ['Timezone', ['America/Los_Angeles', 'Etc/GMT+8', 'PST', 'America/Phoenix'], ['', 'Pacific Time', '-08:00', 'EST', 'mst', 'Hst']],
  ])('%s: the values its AllowedPattern admits are the ones the configuration accepts', (name, good, bad) => {
    const pattern = new RegExp(String(parameters[name]?.AllowedPattern));
    for (const v of good) {
      expect({ v, admitted: pattern.test(v) }).toEqual({ v, admitted: true });
      expect({ v, ok: loadConfig(deployedEnv({ [name]: v })).ok }).toEqual({ v, ok: true });
    }
    for (const v of bad) expect({ v, admitted: pattern.test(v) }).toEqual({ v, admitted: false });
  });

  it('lets an operator set what guests and crew read, the rates, the SCC settings and the liveness bounds', () => {
    const loaded = loadConfig(
      deployedEnv({
        OperatorName: 'Harbor Sails',
        VesselName: 'Wind Dancer',
        DockAddress: 'Shelter Island Marina, San Diego',
        DockMapUrl: 'https://maps.app.goo.gl/abc',
        EmergencyPhone: '+1 619 555 0199',
        SafetyBriefing: 'Life jackets are under the cockpit seats.',
        WhatToBring: 'Shoes|A jacket',
        Checklist: 'Fuel|Radio check',
        WeatherNote: 'We sail in most weather.',
        Capacity: '12',
        CheckinLeadMinutes: '20',
        CrewRate: '30',
        CaptainRate: '62.50',
        PortFeePercent: '17.5',
        SccServiceKeyHash: 'ab'.repeat(32),
        SccHashAlgorithm: 'sha512',
        SccEventsExternalIdIndex: 'externalId-index',
        SccMoneyAttributes: 'skipperFee,deckhandPay',
        LogLevel: 'debug',
        ConnectTimeoutMs: '2000',
        CallTimeoutMs: '8000',
        StepTimeoutMs: '30000',
        StepBudgetMs: '90000',
        CreateQuietMs: '40000',
        LeaseMs: '20000',
        MaxConcurrentRuns: '4',
      }),
    );
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const c = loaded.config;
    expect(c.operator).toEqual({
      operatorName: 'Harbor Sails',
      vesselName: 'Wind Dancer',
      dockAddress: 'Shelter Island Marina, San Diego',
      dockMapUrl: 'https://maps.app.goo.gl/abc',
      emergencyPhone: '+1 619 555 0199',
      safetyBriefing: 'Life jackets are under the cockpit seats.',
      whatToBring: ['Shoes', 'A jacket'],
      checklist: ['Fuel', 'Radio check'],
      weatherNote: 'We sail in most weather.',
      capacity: 12,
    });
    expect(c.rates).toEqual({ crewRateCentsPerHour: 3000, captainRateCentsPerHour: 6250, portFeeBasisPoints: 1750, checkInLeadMinutes: 20 });
    expect(c.scc).toMatchObject({ serviceKeyHash: 'ab'.repeat(32), serviceKeyHashAlgorithm: 'sha512', externalIdIndex: 'externalId-index', moneyAttributes: ['skipperFee', 'deckhandPay'] });
    expect(c.liveness).toEqual({ connectTimeoutMs: 2000, callTimeoutMs: 8000, stepAttemptTimeoutMs: 30_000, stepBudgetMs: 90_000, createQuietMs: 40_000, leaseMs: 20_000, sweepEveryMs: 5000, maxConcurrentRuns: 4 });
  });

  it('refuses at deploy what would fail every cold start: iCal feeds without an ops channel', () => {
    const feeds = { IcalFeeds: 'Boatsetter=https://www.boatsetter.com/calendar/abc.ics' };
    expect(rulesBroken(feeds)).toEqual([expect.stringMatching(/^IcalFeedsNeedOpsChannel: IcalFeeds needs OpsChannel/)]);
    // The rule and the configuration agree, both ways.
    expect(loadConfig(deployedEnv(feeds))).toMatchObject({ ok: false, problems: [expect.stringMatching(/^CHARTER_OPS_CHANNEL is required with CHARTER_ICAL_FEEDS/)] });
    expect(rulesBroken({ ...feeds, OpsChannel: 'C0OPS00001' })).toEqual([]);
    expect(loadConfig(deployedEnv({ ...feeds, OpsChannel: 'C0OPS00001' })).ok).toBe(true);
    expect(rulesBroken({})).toEqual([]);
    expect(String(parameters.IcalFeeds?.Description)).toMatch(/OpsChannel/);
  });

  it('refuses at deploy a crew channel that is also the ops channel (crew would read the cost breakdown)', () => {
    expect(rulesBroken({ CrewChannel: 'C0SAME0001', OpsChannel: 'C0SAME0001' })).toEqual([expect.stringMatching(/^CrewChannelIsNotOpsChannel/)]);
    expect(rulesBroken({ CrewChannel: 'C0CREW0001', OpsChannel: 'C0OPS00001' })).toEqual([]);
    expect(rulesBroken({ CrewChannel: 'C0CREW0001' })).toEqual([]);
  });

  it("fits a full operator's configuration in Lambda's 4 KB of environment variables", () => {
    const env = deployedEnv({
      OpsChannel: 'C0OPS00001',
      CrewChannel: 'C0CREW0001',
      IcalFeeds: `Boatsetter=https://www.boatsetter.com/calendar/${'x'.repeat(64)}.ics,GetMyBoat=https://www.getmyboat.com/ical/${'y'.repeat(64)}.ics`,
      OperatorName: 'Queen of San Diego Charters',
      VesselName: 'JADA',
      DockAddress: 'Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA 92101',
      DockMapUrl: 'https://maps.app.goo.gl/AbCdEfGhIjKlMnOp1',
      EmergencyPhone: '+1 619 555 0199',
      SafetyBriefing: 's'.repeat(250),
      WhatToBring: DEFAULT_WHAT_TO_BRING.join('|'),
      Checklist: DEFAULT_CHECKLIST.join('|'),
      WeatherNote: 'w'.repeat(200),
      SccServiceKeyHash: 'ab'.repeat(32),
      SccEventsExternalIdIndex: 'externalId-index',
    });
    delete env.AWS_LAMBDA_FUNCTION_NAME;
    delete env.AWS_REGION; // set by Lambda, not counted against the limit
    const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    expect(bytes).toBeLessThan(4096);
    expect(bytes).toBeGreaterThan(2500); // the texts really are in it
  });

  it('grants dynamodb:Query on the SCC externalId index only when SccEventsExternalIdIndex is set', () => {
    const policies = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::RolePolicy');
    expect(policies.map(([id]) => id)).toEqual(['PipelineSccIndexPolicy']);
    const [, policy] = policies[0] ?? [];
    expect((policy as unknown as Json).Condition).toBe('HasSccEventsExternalIdIndex');
    expect(policy?.Properties.RoleName).toEqual({ Ref: 'PipelineRole' });
    expect((policy?.Properties.PolicyDocument as { Statement: Json[] }).Statement).toEqual([
      {
        Sid: 'RevenueGuardIndex',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}/index/${SccEventsExternalIdIndex}' },
      },
    ]);
  });

  it('groups every parameter exactly once for the console', () => {
    const groups = ((template.Metadata as Json)['AWS::CloudFormation::Interface'] as { ParameterGroups: { Parameters: string[] }[] }).ParameterGroups;
    const grouped = groups.flatMap((g) => g.Parameters);
    expect([...grouped].sort()).toEqual(Object.keys(parameters).sort());
    expect(new Set(grouped).size).toBe(grouped.length);
    expect(Object.keys(parameters).length).toBeLessThanOrEqual(200);
  });

  it('describes every parameter', () => {
    for (const [name, p] of Object.entries(parameters)) {
      if (['GuestSiteUrl', 'Timezone', 'LogRetentionDays'].includes(name)) continue; // self-explanatory, described in README
      expect({ name, description: typeof p.Description === 'string' && p.Description.length > 10 }).toEqual({ name, description: true });
    }
  });
});
