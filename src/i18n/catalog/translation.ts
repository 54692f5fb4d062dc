/** A catalog in another language: every key of the English one, and no other. */
export type Translation<T> = { readonly [K in keyof T]: string };

/** What a message's argument takes: a number (plural, number), or anything shown (a name, text). */
export type ArgKind = 'number' | 'text';
