/** The receiver keeps the last 64 KiB of a job's log (SPEC §3). */
export const LOG_TAIL_MAX_BYTES = 64 * 1024;

/** The last `maxBytes` of `text` in UTF-8, never starting in the middle of a character. */
export function keepTail(text: string, maxBytes = LOG_TAIL_MAX_BYTES): string {
  if (text.length <= maxBytes / 4) return text; // cannot exceed the limit even at 4 bytes per char
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the tail starts on a character boundary.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
