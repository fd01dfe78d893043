/** Defaults a San Diego charter captain would expect; each is overridable through configuration. */
export const DEFAULT_CHECKLIST: readonly string[] = [
  'Check weather, tides and marine forecast; confirm no small craft advisory',
  'Captain license, vessel documentation and registration aboard',
  'Engine: oil, coolant, belts, raw-water strainer; run blower before start',
  'Fuel and water tanks at least three-quarters full',
  'Life jackets counted for the party plus crew, children sizes if needed',
  'Throwable, fire extinguishers, flares and first-aid kit in date and aboard',
  'VHF radio check on channel 16; float plan left ashore',
  'Bilge dry and pumps tested; navigation lights working',
  'Lines, fenders and boarding ladder ready; deck clear',
  'Ice, water and guest supplies loaded; heads clean and stocked',
  'Head count matches the party size and stays within the vessel passenger limit',
  'Safety briefing delivered to all guests before departure',
];

export const DEFAULT_WHAT_TO_BRING: readonly string[] = [
  'Soft-soled, non-marking shoes',
  'A warm layer — it is cooler on the water',
  'Sunscreen, sunglasses and a hat',
  'Photo ID for everyone over 18',
  'Food and drinks you would like (no glass, please)',
  'Seasickness remedy if you need one — take it before boarding',
];
