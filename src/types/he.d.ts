/** The part of `he` (HTML entities, no types published with it) the intake parser uses. */
declare module 'he' {
  /** Decodes every HTML character reference (named, decimal, hex) as a browser does in text. */
  export function decode(html: string, options?: { isAttributeValue?: boolean; strict?: boolean }): string;
}
