import { isSessionId, newSessionId, parseSessionId, SESSION_ID_LENGTH } from '../../../src/booking/session-id';

describe('session ids', () => {
  it('draws 100k ids without a collision, each canonical and parseable', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = newSessionId();
      expect(id).toHaveLength(SESSION_ID_LENGTH);
      expect(parseSessionId(id)).toBe(id);
      expect(parseSessionId(id.toLowerCase())).toBe(id);
      seen.add(id);
    }
    expect(seen.size).toBe(100_000);
  });

  it('uses every symbol of the Crockford alphabet and no other', () => {
    const chars = new Set(Array.from({ length: 2000 }, () => newSessionId()).join(''));
    expect([...chars].sort().join('')).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
  });

  it("normalises Crockford's look-alikes and hyphens", () => {
    expect(parseSessionId('abcd-efgh-jk')).toBe('ABCDEFGHJK');
    expect(parseSessionId('oiL0000000')).toBe('0110000000');
  });

  it.each(['', 'SHORT', 'ABCDEFGHJU', 'ABCDEFGHJ!', 'A'.repeat(27), '<script>ab'])('rejects %p', (text) => {
    expect(parseSessionId(text)).toBeUndefined();
  });

  it('isSessionId accepts only the canonical form', () => {
    const id = newSessionId();
    expect(isSessionId(id)).toBe(true);
    expect(isSessionId(id.toLowerCase())).toBe(id === id.toLowerCase());
  });
});
