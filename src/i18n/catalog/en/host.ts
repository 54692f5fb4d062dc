/** The host area's messages in English: the source of the catalog (issue 16). */
export const host = {} as const;
