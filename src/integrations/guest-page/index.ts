export { buildGuestPageView } from './view';
export type { GuestPageView, GuestPageTime, GuestPageSource, GuestPageSettings } from './view';
export { renderGuestPage, renderCancelledGuestPage, createGuestPageRenderer, defaultTemplatesDir } from './render';
export type { GuestPageRenderer } from './render';
export { renderGuestCalendar } from './ics';
export type { GuestCalendarOptions } from './ics';
