/**
 * A button's value as a log may carry it: the booking it names (`7K3MZQ9XW2TR`, with `:op…` or
 * `:U…:r2` after it). Other values are not logged: the iCal notice's Create charter carries the
 * form's prefill, the guest's e-mail and phone among it.
 */
const BOOKING_VALUE = /^[A-Z0-9]{12}(:[A-Za-z0-9_-]{1,40}){0,3}$/;

/**
 * Who sent a Slack request and what it was, as log fields: the user, the button (its action_id and,
 * when it names a booking, its value) or the command or view. Never the payload itself.
 */
export function slackRequestFields(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object') return {};
  const b = body as {
    type?: unknown;
    user?: { id?: unknown };
    user_id?: unknown;
    command?: unknown;
    actions?: { action_id?: unknown; value?: unknown }[];
    view?: { callback_id?: unknown };
    event?: { type?: unknown; user?: unknown };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const action = Array.isArray(b.actions) ? b.actions[0] : undefined;
  const fields: Record<string, unknown> = {
    requestType: str(b.type) ?? (str(b.command) ? 'command' : str(b.event?.type)),
    userId: str(b.user?.id) ?? str(b.user_id) ?? str(b.event?.user),
    command: str(b.command),
    action: str(action?.action_id),
    actionValue: BOOKING_VALUE.test(str(action?.value) ?? '') ? str(action?.value) : undefined,
    view: str(b.view?.callback_id),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The fields above, and the booking a button's value names: held for that booking while the
 * request's listeners run (holdBookingContext), so the state store's retry warnings say whose click
 * waited.
 */
export function slackLogContext(body: unknown): Record<string, unknown> {
  const fields = slackRequestFields(body);
  const value = fields.actionValue;
  return typeof value === 'string' ? { bookingId: value.slice(0, 12), ...fields } : fields;
}
