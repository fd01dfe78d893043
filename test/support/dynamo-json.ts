/** DynamoDB AttributeValues → plain JSON, for asserting on items (the SDK's util-dynamodb is not a dependency). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

export function plainValue(v: AttributeValue): Plain {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.L !== undefined) return v.L.map(plainValue);
  if (v.M !== undefined) return unmarshall(v.M);
  if (v.SS !== undefined) return v.SS;
  if (v.NS !== undefined) return v.NS.map(Number);
  return null;
}

export function unmarshall(item: Record<string, AttributeValue>): { [k: string]: Plain } {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plainValue(v)]));
}
