/** The booking platform a charter came from, for records old (boatsetterRef) and new (platform + platformRef). */
import type { BookingRequest } from './types';

export interface PlatformRef {
  /** "Boatsetter", "GetMyBoat", …; "Boatsetter" for records made before platforms were generalised. */
  platform: string;
  ref: string;
}

export function platformRefOf(request: Pick<BookingRequest, 'platform' | 'platformRef' | 'boatsetterRef'>): PlatformRef | undefined {
  const ref = request.platformRef?.trim() || request.boatsetterRef?.trim();
  if (!ref) return undefined;
  const platform = request.platform?.trim() || (request.platformRef?.trim() ? 'Platform' : 'Boatsetter');
  return { platform, ref };
}

/** "Boatsetter BS-48213" (or the platform alone when there is no reference); undefined when neither. */
export function platformText(request: Pick<BookingRequest, 'platform' | 'platformRef' | 'boatsetterRef'>): string | undefined {
  const pr = platformRefOf(request);
  if (pr) return `${pr.platform} ${pr.ref}`;
  return request.platform?.trim() || undefined;
}

/** Same booking on the same platform: references compare without case or spaces. */
export function sameReference(a: PlatformRef, b: PlatformRef): boolean {
  const norm = (s: string) => s.replace(/[\s#]/g, '').toUpperCase();
  return norm(a.ref) === norm(b.ref) && (a.platform.toLowerCase() === b.platform.toLowerCase() || a.platform === 'Platform' || b.platform === 'Platform');
}
