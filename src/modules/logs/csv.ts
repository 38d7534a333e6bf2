/**
 * CSV per RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled, lines end in CRLF.
 * Text that a spreadsheet would run as a formula (= + - @ at the start) gets a leading apostrophe.
 */
export function csvField(value: unknown, text = false): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.join(',')}\r\n`;
}
