import { parentPort } from 'node:worker_threads';
import { MalformedOtlpError, RECORD_NOUN, transcodeRequest } from '../../core/model/index.ts';
import { ReplayableTally } from './replayable-tally.ts';
import { packTables, type TranscodeJobMessage, type WorkerMessage } from './transcode-message.ts';

// The body of one pool worker: transcodes requests one at a time, as the receiver would
// in-process, and sends back the blocks, the rejections and the request's bytes (which the
// receiver still needs for a store without encoded inserts), all transferred, not copied.
const port = parentPort;
if (!port) throw new Error('transcode-worker.ts runs only as a worker thread of TranscodePool');

port.on('message', (job: TranscodeJobMessage) => {
  let reply: WorkerMessage;
  const transfer: ArrayBuffer[] = [];
  try {
    const tally = new ReplayableTally(RECORD_NOUN[job.signal]);
    const result = transcodeRequest(job.signal, job.body, { ttlDays: job.ttlDays, nowMs: job.nowMs, tally });
    const { packed, layout } = packTables(result.tables);
    reply = { type: 'done', id: job.id, records: result.records, packed, tables: layout, rejections: tally.entries(), body: job.body };
    transfer.push(packed, job.body.buffer as ArrayBuffer);
  } catch (error) {
    reply = { type: 'failed', id: job.id, malformed: error instanceof MalformedOtlpError, message: (error as Error).message };
  }
  try {
    port.postMessage(reply, transfer);
  } catch (error) {
    // A buffer that cannot be moved (e.g. the request's, already detached): answer without it.
    port.postMessage({ type: 'failed', id: job.id, malformed: false, message: `the result could not be sent back: ${(error as Error).message}` } satisfies WorkerMessage);
  }
});

port.postMessage({ type: 'ready' } satisfies WorkerMessage);
