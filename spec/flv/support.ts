/** Drives FlvDemuxer / FlvMuxer in tests and collects what comes out. */
import { once } from 'node:events';
import { FlvDemuxer, type FlvDemuxerOptions, type FlvDemuxerOutput } from '../../lib/flv/flv-demuxer.js';
import type { FlvHeader } from '../../lib/flv/flv-header.js';
import { FlvMuxer, type FlvMuxerOptions } from '../../lib/flv/flv-muxer.js';

/** A demuxer output, with `kind` readable on the Message variant too (undefined there). */
export type DemuxedItem = FlvDemuxerOutput & { kind?: string };

export interface Demuxed {
  items: DemuxedItem[];
  headers: FlvHeader[];
  skippedBytes: number;
}

/** Writes `pieces` into a demuxer; resolves with its output once it ended, rejects with its error. */
export async function demuxPieces(pieces: Buffer[], options: FlvDemuxerOptions = {}): Promise<Demuxed> {
  const demuxer = new FlvDemuxer(options);
  const out: Demuxed = { items: [], headers: [], skippedBytes: 0 };
  demuxer.on('data', (item: DemuxedItem) => out.items.push(item));
  demuxer.on('header', (h: FlvHeader) => out.headers.push(h));
  const failed = new Promise<never>((_, reject) => demuxer.on('error', reject));
  const ended = once(demuxer, 'end');
  for (const p of pieces) demuxer.write(p);
  demuxer.end();
  await Promise.race([ended, failed]);
  out.skippedBytes = demuxer.skippedBytes;
  return out;
}

export async function muxItems(items: unknown[], options: FlvMuxerOptions = {}): Promise<Buffer> {
  const muxer = new FlvMuxer(options);
  const parts: Buffer[] = [];
  muxer.on('data', (b: Buffer) => parts.push(b));
  const failed = new Promise<never>((_, reject) => muxer.on('error', reject));
  const ended = once(muxer, 'end');
  for (const item of items) muxer.write(item);
  muxer.end();
  await Promise.race([ended, failed]);
  return Buffer.concat(parts);
}

/** Every split of `bytes` into two pieces, plus byte by byte. */
export function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let k = 1; k < bytes.length; k++) out.push([bytes.subarray(0, k), bytes.subarray(k)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}
