/**
 * CSV for spreadsheet users (pure). Cells that a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or carriage return: member names are chosen by strangers) get a leading
 * apostrophe; cells with separators, quotes or line breaks are quoted.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Excel needs the byte order mark to read UTF-8 (umlauts in names and texts). */
export const CSV_BOM = '\uFEFF';
