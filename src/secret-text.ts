/**
 * Cuts known secret values out of free text: an upstream error that echoes a header, a URL with its
 * token. Also a run of at least PREFIX_RUN characters that starts a token or key: an upstream that
 * echoes "Bearer SCCKEYSECRET..." (a truncated header) gives away part of the key. Not for URLs (an
 * iCal feed's is a secret for its token at the end): their starts are any page of that site.
 */
export const REDACTED = '[REDACTED]';

const PREFIX_RUN = 8;

/**
 * AWS's account of a signature mismatch (DynamoDB's message) quotes the canonical request: every
 * signed header with its value, x-amz-security-token among them. The credentials are the SDK's,
 * not values this scrubber knows, so the account is cut whole; its first sentence stays.
 */
const AWS_CANONICAL_ACCOUNT = /The Canonical String for this request should have been[\s\S]*/;

export function secretTextScrubber(secretValues: readonly string[]): (text: string) => string {
  const values = [...new Set(secretValues.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const prefixed = values.filter((s) => s.length > PREFIX_RUN && !URL.canParse(s)).map((s) => ({ secret: s, start: s.slice(0, PREFIX_RUN) }));
  return (text) => {
    const cut = text.includes('The Canonical String') ? text.replace(AWS_CANONICAL_ACCOUNT, "[AWS's canonical request omitted: it lists the signed headers]") : text;
    // Most text holds no secret: look before splitting, so a clean string is returned as it is.
    let out = values.reduce((t, secret) => (t.includes(secret) ? t.split(secret).join(REDACTED) : t), cut);
    for (const { secret, start } of prefixed) {
      if (!out.includes(start)) continue;
      let from = 0;
      for (let at = out.indexOf(start, from); at >= 0; at = out.indexOf(start, from)) {
        let end = at + PREFIX_RUN;
        while (end < out.length && end - at < secret.length && out[end] === secret[end - at]) end++;
        out = `${out.slice(0, at)}${REDACTED}${out.slice(end)}`;
        from = at + REDACTED.length;
      }
    }
    return out;
  };
}
