import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvLine } from '../../dashboard/src/lib/server/history/csv';

describe('CSV export cells', () => {
  it('neutralises formulas with a leading apostrophe', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    // German Excel splits on ";" and would run the middle part as its own cell.
    expect(csvCell('x;=1+1;y')).toBe("x;'=1+1;y");
    expect(csvCell('a; @cmd')).toBe("a; '@cmd");
    expect(csvCell('Anna-Lena')).toBe('Anna-Lena');
  });

  it('quotes separators, quotes and line breaks', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
  });

  it('leaves plain values, numbers and booleans alone; empty for null', () => {
    expect(csvCell('Grüße')).toBe('Grüße');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('joins a line with commas and CRLF', () => {
    expect(csvLine(['a', 1, null, '=x'])).toBe("a,1,,'=x\r\n");
    expect(CSV_BOM).toBe('\uFEFF');
  });
});
