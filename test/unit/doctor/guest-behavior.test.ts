/** Which cache behaviour CloudFront uses for /g/{ID}: the rewrite must be on that one. */
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import { guestBehavior } from '../../../src/doctor/checks';

const rewrite = { Quantity: 1, Items: [{ EventType: 'viewer-request' as const, FunctionARN: 'arn:aws:cloudfront::1:function/x-guest-rewrite' }] };
const config = (patterns: string[]): DistributionConfig =>
  ({
    DefaultCacheBehavior: { TargetOriginId: 'o', ViewerProtocolPolicy: 'allow-all', FunctionAssociations: { Quantity: 0 } },
    CacheBehaviors: { Quantity: patterns.length, Items: patterns.map((p) => ({ PathPattern: p, TargetOriginId: 'o', ViewerProtocolPolicy: 'allow-all', FunctionAssociations: rewrite })) },
  }) as unknown as DistributionConfig;

it('picks the first ordered behaviour whose pattern matches /g/{ID}, with or without the leading slash', () => {
  for (const pattern of ['/g/*', 'g/*', '/g/??????????*', '*']) {
    const picked = guestBehavior(config(['/api/*', pattern]));
    expect(picked.where).toBe(`the behaviour for ${pattern}`);
    expect(picked.behavior?.FunctionAssociations).toBe(rewrite);
  }
});

it('falls back to the default behaviour when no pattern matches (patterns are case-sensitive)', () => {
  for (const patterns of [[], ['/G/*'], ['/guest/*', '*.html']]) expect(guestBehavior(config(patterns)).where).toBe('the default behaviour');
});
