import { platformRefOf, platformText, sameReference } from '../../../src/booking/platform';

describe('booking platform references', () => {
  it('reads records from before platforms were generalised as Boatsetter references', () => {
    expect(platformRefOf({ boatsetterRef: 'BS-48213' })).toEqual({ platform: 'Boatsetter', ref: 'BS-48213' });
    expect(platformText({ boatsetterRef: 'BS-48213' })).toBe('Boatsetter BS-48213');
  });

  it('prefers the new fields, and names a platform without a reference', () => {
    expect(platformRefOf({ platform: 'GetMyBoat', platformRef: 'GMB-1', boatsetterRef: 'BS-9' })).toEqual({ platform: 'GetMyBoat', ref: 'GMB-1' });
    expect(platformText({ platform: 'Sailo' })).toBe('Sailo');
    expect(platformRefOf({})).toBeUndefined();
  });

  it('matches references without case, spaces or #, on the same platform only', () => {
    expect(sameReference({ platform: 'Boatsetter', ref: 'bs-48213' }, { platform: 'boatsetter', ref: '#BS-48213' })).toBe(true);
    expect(sameReference({ platform: 'Boatsetter', ref: '1001' }, { platform: 'GetMyBoat', ref: '1001' })).toBe(false);
  });
});
