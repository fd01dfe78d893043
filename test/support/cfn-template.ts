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
