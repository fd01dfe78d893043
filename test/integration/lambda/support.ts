/** Events the way AWS delivers them to the two functions: a Function URL request and a DynamoDB stream record. */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { SignedHeaders } from '../../support/slack-requests';

/** A Lambda Function URL event (payload format 2.0); form bodies arrive base64-encoded. */
export function functionUrlEvent(body: string, headers: SignedHeaders | Record<string, string>) {
  const nowMs = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: { host: 'abcdefghij.lambda-url.us-west-2.on.aws', 'user-agent': 'Slackbot 1.0', ...headers },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.us-west-2.on.aws',
      http: { method: 'POST', path: '/slack/events', protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'Slackbot 1.0' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

let sequence = 1000;

/** One DynamoDB Streams record (StreamViewType NEW_IMAGE) for an item read from the table. */
export function streamRecord(item: Record<string, AttributeValue>, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'MODIFY') {
  sequence += 1;
  return {
    eventID: randomUUID().replace(/-/g, ''),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-west-2',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { id: item.id as { S: string } },
      ...(eventName === 'REMOVE' ? {} : { NewImage: item as Record<string, { S?: string; N?: string }> }),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: JSON.stringify(item).length,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-west-2:123456789012:table/charter-bookings/stream/2026-01-01T00:00:00.000',
  };
}
