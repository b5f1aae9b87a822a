/**
 * Whether a request Node's parser rejected was a HEAD. Its answer must have no body (RFC 9110 9.3.2): a HEAD client
 * reads body bytes as the start of a next answer and fails with "Data after Connection: close" instead of seeing
 * the 400.
 */

/**
 * The failed request's line, cut at the error, ends in `HEAD <target>` or `HEAD <target> <version>`: neither holds a
 * space, so whatever came before `HEAD` on the line was not this request's.
 */
const HEAD_REQUEST_LINE = /HEAD [^ ]*(?: [^ ]*)?$/;

export function wasHeadRequest(err: Error): boolean {
  const { rawPacket, bytesParsed } = err as Error & { rawPacket?: unknown; bytesParsed?: unknown };
  if (!Buffer.isBuffer(rawPacket)) return false;
  if (rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ') return true;
  // Node hands over one read from the socket, which need not start with the failed request: when the request
  // before it on the connection was answered before its body had all arrived (a route that does not read bodies),
  // the read starts with the tail of that body. An error in the request line is on the line holding the method.
  const end = typeof bytesParsed === 'number' ? Math.min(bytesParsed, rawPacket.length) : rawPacket.length;
  const before = rawPacket.subarray(0, end).toString('latin1');
  return HEAD_REQUEST_LINE.test(before.slice(before.lastIndexOf('\n') + 1));
}
