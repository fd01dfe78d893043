/** infra/template.yaml read as CloudFormation: short-form intrinsic tags parsed into their long forms. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'If', 'Join', 'Select', 'Split', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'ImportValue', 'GetAZs', 'Condition'];
const longForm = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);

export const cloudFormationTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (value: string) => ({ [longForm(name)]: name === 'GetAtt' ? value.split('.') : value }) },
  { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [longForm(name)]: (seq as YAMLSeq).toJSON() }) as unknown as YAMLSeq },
  { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [longForm(name)]: (map as YAMLMap).toJSON() }) as unknown as YAMLMap },
]);

export type Json = Record<string, unknown>;
export const TEMPLATE_FILE = path.join(__dirname, '../../infra/template.yaml');

export interface CfnTemplate extends Json {
  Resources: Record<string, { Type: string; Properties: Json }>;
  Parameters: Record<string, Json>;
  Outputs: Json;
}

export function loadTemplate(): CfnTemplate {
  return parse(readFileSync(TEMPLATE_FILE, 'utf8'), { customTags: cloudFormationTags }) as CfnTemplate;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

/** Every statement of every inline policy of every IAM role, with the role's logical id. */
export function roleStatements(template: CfnTemplate): { role: string; statement: Statement }[] {
  const out: { role: string; statement: Statement }[] = [];
  for (const [role, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of (resource.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
      for (const statement of policy.PolicyDocument.Statement) out.push({ role, statement });
    }
  }
  return out;
}

/** What a deploy resolves: parameter values as CloudFormation holds them (strings), pseudo parameters, resource names. */
export interface Deployment {
  parameters: Record<string, string>;
  /** `${SecretName}`-style references and `!GetAtt`/`!Ref` of resources resolve through this. */
  resources?: Record<string, string>;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Each parameter's value in a deployment: what it was given, else its Default (a missing required one throws). */
export function parameterValues(template: CfnTemplate, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters)) {
    const value = given[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (value === undefined) throw new Error(`parameter ${name} has no default and was not given`);
    out[name] = value;
  }
  for (const name of Object.keys(given)) if (!(name in template.Parameters)) throw new Error(`no parameter ${name}`);
  return out;
}

/**
 * Evaluates the intrinsic functions conditions, rules and environment variables use (Ref, Fn::Sub,
 * Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), as CloudFormation would for `deployment`.
 */
export function evaluate(template: CfnTemplate, value: unknown, deployment: Deployment): unknown {
  const params = deployment.parameters;
  const named = (name: string): string => {
    const v = params[name] ?? deployment.resources?.[name];
    if (v === undefined) throw new Error(`cannot resolve ${name}`);
    return v;
  };
  const ev = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(ev);
    if (!v || typeof v !== 'object') return v;
    const o = v as Json;
    if ('Ref' in o) return o.Ref === 'AWS::NoValue' ? NO_VALUE : named(String(o.Ref));
    if ('Fn::Sub' in o) return String(o['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => named(name));
    if ('Fn::Equals' in o) {
      const [a, b] = (o['Fn::Equals'] as unknown[]).map(ev);
      return a === b;
    }
    if ('Fn::Not' in o) return !(ev((o['Fn::Not'] as unknown[])[0]) as boolean);
    if ('Fn::And' in o) return (o['Fn::And'] as unknown[]).every((c) => ev(c) === true);
    if ('Fn::Or' in o) return (o['Fn::Or'] as unknown[]).some((c) => ev(c) === true);
    if ('Condition' in o && Object.keys(o).length === 1) return ev((template.Conditions as Json)[String(o.Condition)]);
    if ('Fn::If' in o) {
      const [condition, yes, no] = o['Fn::If'] as [string, unknown, unknown];
      return ev((template.Conditions as Json)[condition]) === true ? ev(yes) : ev(no);
    }
    const keys = Object.keys(o);
    if (keys.some((k) => k.startsWith('Fn::'))) throw new Error(`cannot evaluate ${keys.join(', ')}`);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, ev(x)]).filter(([, x]) => x !== NO_VALUE));
  };
  return ev(value);
}

/** The Globals environment both functions get in `deployment`, variables resolved to NoValue left out. */
export function functionEnvironment(template: CfnTemplate, deployment: Deployment): Record<string, string> {
  const variables = ((template.Globals as { Function: { Environment: { Variables: Json } } }).Function.Environment.Variables);
  return evaluate(template, variables, deployment) as Record<string, string>;
}

/** The assertion descriptions of every rule `deployment` breaks (empty: CloudFormation accepts the parameters). */
export function brokenRules(template: CfnTemplate, deployment: Deployment): string[] {
  const broken: string[] = [];
  for (const [name, rule] of Object.entries((template.Rules as Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription?: string }[] }>) ?? {})) {
    if (rule.RuleCondition !== undefined && evaluate(template, rule.RuleCondition, deployment) !== true) continue;
    for (const a of rule.Assertions) if (evaluate(template, a.Assert, deployment) !== true) broken.push(`${name}: ${a.AssertDescription ?? ''}`);
  }
  return broken;
}
