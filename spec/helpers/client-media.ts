/**
 * Moving FLV media through our Client in interop tests: publish an FLV file's tags, and collect
 * what a playing client receives into an FLV file ffprobe can compare with the source.
 */
import net from 'node:net';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import type { Client } from '../../lib/client/client.js';
import { decodeData } from '../../lib/message/data.js';
import { readFlvTags, writeFlv, type FlvTag } from './flv-tags.js';

/** Sends every tag of an FLV file on the client's publish stream (metadata with @setDataFrame). */
export async function publishFlv(client: Client, file: string): Promise<number> {
  const tags = readFlvTags(await readFile(file));
  for (const tag of tags) {
    if (tag.type === 8) await client.writeAudio(tag.data, tag.timestamp);
    else if (tag.type === 9) await client.writeVideo(tag.data, tag.timestamp);
    else if (tag.type === 18) {
      const [name, value] = decodeData(tag.data);
      if (name === 'onMetaData' && value && typeof value === 'object') await client.writeMetadata(value as Record<string, unknown>, tag.timestamp);
    }
  }
  return tags.length;
}

/** Reads everything a playing client receives until the connection ends; media as FLV tags. */
export async function collectMedia(client: Client): Promise<FlvTag[]> {
  const tags: FlvTag[] = [];
  for await (const event of client.events()) {
    if (event.kind === 'audio' || event.kind === 'video') {
      // Copy: the payload is a view of a socket read.
      tags.push({ type: event.kind === 'audio' ? 8 : 9, timestamp: event.timestamp, data: Buffer.from(event.payload) });
    }
  }
  return tags;
}

export async function writeTags(file: string, tags: FlvTag[]): Promise<void> {
  await writeFile(file, writeFlv(tags));
}

/** A loopback port that was free a moment ago (for `ffmpeg -listen`). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Connects once `ffmpeg -listen` accepts: bounded retries on a refused connection, each after a
 * short pause (polling for readiness; ffmpeg gives no other signal), failing after `attempts`.
 */
export async function connectWhenListening(client: Client, url: string, attempts = 100): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await client.connect(url);
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
