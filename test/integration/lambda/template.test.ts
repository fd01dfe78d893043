/**
 * infra/template.yaml read as CloudFormation: short-form intrinsic tags parsed into their long
 * forms, then least-privilege IAM and secret handling checked statement by statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'If', 'Join', 'Select', 'Split', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'ImportValue', 'GetAZs', 'Condition'];
const longForm = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);

const cloudFormationTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (value: string) => ({ [longForm(name)]: name === 'GetAtt' ? value.split('.') : value }) },
  { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [longForm(name)]: (seq as YAMLSeq).toJSON() }) as unknown as YAMLSeq },
  { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [longForm(name)]: (map as YAMLMap).toJSON() }) as unknown as YAMLMap },
]);

type Json = Record<string, unknown>;
const template = parse(readFileSync(path.join(__dirname, '../../../infra/template.yaml'), 'utf8'), { customTags: cloudFormationTags }) as Json;
const resources = template.Resources as Record<string, { Type: string; Properties: Json }>;
const parameters = template.Parameters as Record<string, Json>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

function statements(): { role: string; statement: Statement }[] {
  const out: { role: string; statement: Statement }[] = [];
  for (const [role, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of (resource.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
      for (const statement of policy.PolicyDocument.Statement) out.push({ role, statement });
    }
  }
  return out;
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourceList = (s: Statement) => (Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource]);

describe('infra/template.yaml', () => {
  it('parses with CloudFormation tags into a SAM template with both functions and the state table', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(resources.SlackFunction?.Type).toBe('AWS::Serverless::Function');
    expect(resources.PipelineFunction?.Type).toBe('AWS::Serverless::Function');
    expect(resources.BookingsTable?.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
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
    for (const r of resourcesFor('s3:PutObject')) expect(r).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${GuestBucket}/jada-guest-*' });
    for (const r of resourcesFor('cloudfront:CreateInvalidation')) expect(r).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${GuestDistributionId}' });
    expect(resourcesFor('dynamodb:UpdateItem')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}' }]);
    expect(resourcesFor('dynamodb:PutItem')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }]);
    expect(resourcesFor('dynamodb:GetRecords')).toEqual([{ 'Fn::Sub': '${BookingsTable.Arn}/stream/*' }]);
    const allActions = all.flatMap(actions);
    expect(allActions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject', 's3:PutObject']);
    expect(allActions.filter((a) => a.startsWith('cloudfront:'))).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:CreateInvalidation']);
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
  });

  it('keeps logs for a set number of days, and each function logs only to its own group', () => {
    const groups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual(['PipelineLogGroup', 'SlackLogGroup']);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    expect(resources.SlackFunction?.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: 'SlackLogGroup' } });
    expect(resources.PipelineFunction?.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: 'PipelineLogGroup' } });
  });
});
