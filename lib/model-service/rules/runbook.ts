/** Each alert links to its own section of the runbook; the section heading is the alert name. */
export function runbookLink(runbookUrl: string, alertName: string): string {
  // GitHub/Markdown anchors are the heading in lower case.
  return `${runbookUrl}#${alertName.toLowerCase()}`;
}
