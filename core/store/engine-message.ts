/** Trims the engine's message to its first sentence-ish part for API users. */
export function cleanEngineMessage(message: string): string {
  return message.replace(/\s*\(version [^)]*\)/g, '').replace(/^Code: \d+\. DB::Exception: (Code: \d+\. DB::Exception: )?/, '').trim();
}
