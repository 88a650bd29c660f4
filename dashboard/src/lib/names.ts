/**
 * Names chosen by users (members, inviters, servers, channels) may hold direction overrides such as
 * U+202E that reorder the text after them ("Mo ‮gnp.exe, aber …" reads backwards). In markup a
 * name goes into `<Name>` (a `<bdi>`); where only text is possible (inside a sentence, an
 * `<option>`, the page title) it goes between FSI and PDI, the plain-text form of the same isolation.
 */
export function isolateName(name: string): string {
  return `\u2068${name}\u2069`;
}
