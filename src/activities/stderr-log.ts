/** The default sink of alert records: JSON lines on stderr, like the API's logger, which log collectors parse as is. */
export function stderrJsonLine(line: { level: string; message: string }): void {
  const { level, message, ...fields } = line;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
}
