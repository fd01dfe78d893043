/**
 * infra/template.yaml read as CloudFormation: short-form intrinsic tags parsed into their long
 * forms, then least-privilege IAM and secret handling checked statement by statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GUEST_REWRITE_FILE } from '../../../src/edge/load';
import { loadTemplate, roleStatements, type Json } from '../../support/cfn-template';

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
    const guestPages = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${GuestBucket}/jada-guest-*' };
    const doctorProbe = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${GuestBucket}/charter-doctor-probe-*' };
    expect(resourcesFor('s3:PutObject')).toEqual([guestPages, doctorProbe, guestPages]);
    // Only the doctor's probe objects can be deleted; never a guest page.
    expect(resourcesFor('s3:DeleteObject')).toEqual([doctorProbe]);
    for (const r of resourcesFor('cloudfront:CreateInvalidation')) expect(r).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${GuestDistributionId}' });
    expect(resourcesFor('dynamodb:UpdateItem')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}' }]);
    expect(resourcesFor('dynamodb:PutItem')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }]);
    // The revenue guard scans SCC's table for every item with the booking's externalId.
    expect(resourcesFor('dynamodb:Scan')).toEqual([{ 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::GetAtt': ['BookingsTable', 'Arn'] }, { 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SccEventsTable}' }]);
    expect(resourcesFor('dynamodb:GetRecords')).toEqual([{ 'Fn::Sub': '${BookingsTable.Arn}/stream/*' }]);
    const allActions = all.flatMap(actions);
    expect(allActions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:PutObject', 's3:PutObject', 's3:PutObject']);
    expect(allActions.filter((a) => a.startsWith('cloudfront:')).sort()).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:CreateInvalidation', 'cloudfront:GetDistribution']);
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
