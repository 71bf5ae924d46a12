/** What a lint check returns: undefined (pass), 'na' (not applicable), or the failure's details. */
export type CheckOutcome = undefined | 'na' | string;
