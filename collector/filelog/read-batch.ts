import type { FileHandle } from 'node:fs/promises';

export interface BatchOptions {
  maxBatchBytes: number;
  maxLineBytes: number;
  multiline?: { start: RegExp; maxLines: number; maxBytes: number };
}

export interface Batch {
  /** Record texts, multiline groups joined with "\n". */
  texts: string[];
  /** Offset after the last byte this batch covers. */
  end: number;
  truncatedLines: number;
  invalidUtf8Lines: number;
  /** Still inside an over-long line that was cut: skip to its newline. */
  skipping: boolean;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * Reads complete lines from `offset` (never past `limit`) and groups them into records. An
 * unfinished last line, or with multiline an unfinished last record, is left for the next read
 * unless `final` (the file has been quiet long enough, or a planned range is being replayed).
 */
export async function readBatch(file: FileHandle, offset: number, limit: number, skippingIn: boolean, final: boolean, options: BatchOptions): Promise<Batch> {
  const want = Math.min(Math.max(options.maxBatchBytes, options.maxLineBytes + 1), limit - offset);
  const buf = Buffer.allocUnsafe(Math.max(0, want));
  const { bytesRead } = want > 0 ? await file.read(buf, 0, want, offset) : { bytesRead: 0 };
  const data = buf.subarray(0, bytesRead);
  const lines: Array<{ text: string; start: number }> = [];
  let truncatedLines = 0;
  let invalidUtf8Lines = 0;
  let skipping = skippingIn;
  let pos = 0;
  const decode = (bytes: Buffer): string => {
    try {
      return strict.decode(bytes);
    } catch {
      invalidUtf8Lines += 1;
      return lenient.decode(bytes);
    }
  };
  for (;;) {
    const nl = data.indexOf(10, pos);
    if (nl === -1) {
      const rest = data.length - pos;
      if (rest >= options.maxLineBytes || (final && rest > 0)) {
        // A line longer than the limit: keep its head, drop the rest up to its newline.
        if (!skipping) {
          lines.push({ text: decode(data.subarray(pos, pos + Math.min(rest, options.maxLineBytes))), start: pos });
          if (rest >= options.maxLineBytes) truncatedLines += 1;
        }
        skipping = rest >= options.maxLineBytes;
        pos = data.length;
      }
      break;
    }
    if (skipping) {
      skipping = false;
    } else {
      let end = nl > pos && data[nl - 1] === 13 ? nl - 1 : nl;
      if (end - pos > options.maxLineBytes) {
        end = pos + options.maxLineBytes;
        truncatedLines += 1;
      }
      lines.push({ text: decode(data.subarray(pos, end)), start: pos });
    }
    pos = nl + 1;
  }
  if (!options.multiline) return { texts: lines.map((l) => l.text), end: offset + pos, truncatedLines, invalidUtf8Lines, skipping };

  const { start, maxLines, maxBytes } = options.multiline;
  const groups: Array<{ lines: string[]; bytes: number; start: number }> = [];
  for (const line of lines) {
    const current = groups.at(-1);
    if (!current || start.test(line.text) || current.lines.length >= maxLines || current.bytes + line.text.length > maxBytes) {
      groups.push({ lines: [line.text], bytes: line.text.length, start: line.start });
    } else {
      current.lines.push(line.text);
      current.bytes += line.text.length + 1;
    }
  }
  // The last record may still grow: leave it for the next read unless this read is final.
  if (!final && groups.length > 0 && !skipping) {
    const last = groups.pop()!;
    return { texts: groups.map((g) => g.lines.join('\n')), end: offset + last.start, truncatedLines, invalidUtf8Lines, skipping };
  }
  return { texts: groups.map((g) => g.lines.join('\n')), end: offset + pos, truncatedLines, invalidUtf8Lines, skipping };
}
