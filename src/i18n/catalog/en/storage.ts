/** The storage area's messages in English: the source of the catalog (issue 16). */
export const storage = {} as const;
