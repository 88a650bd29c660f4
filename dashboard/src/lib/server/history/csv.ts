/**
 * CSV for spreadsheet users (pure). Cells that a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or carriage return: member names are chosen by strangers) get a leading
 * apostrophe; cells with separators, quotes or line breaks are quoted. German Excel splits on `;`
 * (and ignores our quotes then), so a formula start right after any separator is neutralised too.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const FORMULA_AFTER_SEPARATOR = /([;,\t|])(\s*)([=+\-@])/g;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string') {
    text = text.replace(FORMULA_AFTER_SEPARATOR, "$1$2'$3");
    if (FORMULA_START.test(text)) text = `'${text}`;
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Excel needs the byte order mark to read UTF-8 (umlauts in names and texts). */
export const CSV_BOM = '\uFEFF';
