import { REDACTED, secretTextScrubber } from '../../src/secret-text';

describe('secretTextScrubber', () => {
  const scrub = secretTextScrubber(['scc-service-key-0123456789', 'xoxb-1-bot-token-abcdef', 'https://feeds.example/ical/boat.ics?token=s3cr3t', 'short']);

  it('cuts out each secret, and a run of eight or more characters that starts a token or key', () => {
    expect(scrub('said scc-service-key-0123456789 and xoxb-1-bot-token-abcdef')).toBe(`said ${REDACTED} and ${REDACTED}`);
    expect(scrub('Bearer scc-service-ke... malformed')).toBe(`Bearer ${REDACTED}... malformed`);
    expect(scrub('twice: scc-serv| scc-service-key-0XYZ')).toBe(`twice: ${REDACTED}| ${REDACTED}XYZ`);
    expect(scrub('a value of "short" goes too')).toBe(`a value of "${REDACTED}" goes too`);
  });

  it('leaves a shorter start, and the start of a URL secret (any page of that site), alone', () => {
    expect(scrub('token starts xoxb-1-')).toBe('token starts xoxb-1-');
    expect(scrub('fetch https://feeds.example/ical/other.ics failed')).toBe('fetch https://feeds.example/ical/other.ics failed');
    expect(scrub('fetch https://feeds.example/ical/boat.ics?token=s3cr3t failed')).toBe(`fetch ${REDACTED} failed`);
  });
});
