/**
 * Plain-text tables for terminal reports. Hand-written (25 lines) because
 * console.table adds an index column and quotes strings, and no table
 * package is installed; right-aligns numbers, left-aligns text.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, col) => rows.length > 0 && rows.every((r) => typeof r[col] === 'number' || /^[\d.,%µ× -]+$/.test(String(r[col]))));
  const widths = header.map((_, col) => Math.max(...cells.map((r) => (r[col] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
