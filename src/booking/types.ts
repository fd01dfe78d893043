/** The validated booking request: what the operator typed into the modal, normalised. */
export interface BookingRequest {
  guestName: string;
  guestEmail: string;
  guestPhone?: string;
  /** Local calendar date in the operator's time zone, YYYY-MM-DD. */
  date: string;
  /** Local departure time in the operator's time zone, HH:mm (24 h). */
  departureTime: string;
  durationHours: number;
  partySize: number;
  /** What the guest pays for the charter (gross), in cents. */
  priceCents: number;
  /** Slack user ID of the captain. */
  captain: string;
  /** Slack user IDs of the deckhands. */
  crew: string[];
  crewHours: number;
  captainHours: number;
  /** Booking platform the charter came from ("Boatsetter", "GetMyBoat", …); read with platformRefOf(). */
  platform?: string;
  /** The platform's booking reference (a second booking with the same reference is flagged). */
  platformRef?: string;
  /**
   * @deprecated Written by records made before platforms were generalised (always a Boatsetter
   * reference). Still accepted as input and read by platformRefOf(); new records use platformRef.
   */
  boatsetterRef?: string;
  /** Internal notes: office only (the approval message, the calendar entry). Crew and guests never see them. */
  notes?: string;
  /**
   * Notes for crew: the crew post and the SCC event carry them (money lines still dropped). Every
   * request submitted since the field exists has the key, '' when left blank; a record without it
   * was saved before, and its crew still see the notes (see predatesCrewNotes in crew-safe.ts).
   */
  crewNotes?: string;
}

export type BookingField = keyof BookingRequest;

export type CrewRole = 'captain' | 'crew';

/** A roster member resolved from Slack (users.info) when the booking is created. */
export interface RosterMember {
  slackUserId: string;
  name: string;
  email?: string;
  role: CrewRole;
}
