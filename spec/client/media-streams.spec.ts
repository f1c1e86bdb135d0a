/**
 * createPublishStream / createPlayStream against our Server: what a publish stream sends (events,
 * Messages, metadata as @setDataFrame), what it refuses, and when a play stream ends.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ecmaArray } from '../../lib/amf/index.js';
import { Client } from '../../lib/client/client.js';
import { createPlayStream, createPublishStream } from '../../lib/client/media-streams.js';
import type { DataEvent, MediaEvent } from '../../lib/command/events.js';
import { isRtmpError } from '../../lib/errors.js';
import { decodeData } from '../../lib/message/data.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { Server } from '../../lib/server/index.js';

async function withServer(run: (url: string, server: Server) => Promise<void>, config: ConstructorParameters<typeof Server>[0] = {}): Promise<void> {
  const server = new Server({ addr: '127.0.0.1:0', ...config });
  await server.listen();
  try {
    await run(`rtmp://127.0.0.1:${server.address()!.port}/live/s`, server);
  } finally {
    await server.close();
  }
}

async function collect(stream: Readable): Promise<Array<MediaEvent | DataEvent>> {
  const out: Array<MediaEvent | DataEvent> = [];
  for await (const event of stream) out.push(event as MediaEvent | DataEvent);
  return out;
}

const KEY = Buffer.from([0x17, 0x01, 0, 0, 0, 1]);
const AAC = Buffer.from([0xaf, 0x01, 0x21]);

describe('createPublishStream / createPlayStream', () => {
  it('events and Messages go out on the publish stream; onMetaData as @setDataFrame; commands skipped; the play stream ends on UnpublishNotify', async () => {
    const received: string[] = [];
    await withServer(async (url) => {
      const player = new Client();
      await player.connect(url);
      const playId = await player.play();
      const played = collect(createPlayStream(player));
      const publisher = new Client();
      await publisher.connect(url);
      await publisher.publish();
      const items = [
        { kind: 'data', streamId: 0, timestamp: 0, name: 'onMetaData', values: [ecmaArray({ width: 16 })] },
        { kind: 'video', streamId: 0, timestamp: 0, payload: KEY },
        { kind: 'command', streamId: 0, timestamp: 0, name: 'ignored', transactionId: 0, commandObject: null, args: [] },
        createMessage(4, 0, MessageType.Audio, AAC, 23),
      ];
      await pipeline(Readable.from(items), createPublishStream(publisher));
      await publisher.close();
      const events = await played;
      assert.ok(events.every((e) => e.streamId === playId));
      const data = events.filter((e): e is DataEvent => e.kind === 'data');
      // The server keeps metadata sent as @setDataFrame and gives it to players as onMetaData.
      assert.deepEqual(data.map((d) => [d.name, { ...(d.values[0] as object) }]), [['onMetaData', { width: 16 }]]);
      const media = events.filter((e): e is MediaEvent => e.kind !== 'data').map((e) => [e.kind, e.timestamp, e.payload.toString('hex')]);
      assert.deepEqual(media, [
        ['video', 0, KEY.toString('hex')],
        ['audio', 23, AAC.toString('hex')],
      ]);
      await player.close();
    }, {
      onMessage(_conn, message) {
        if (message.type === MessageType.DataAMF0) received.push(decodeData(message.data).slice(0, 2).join(' '));
        if (message.type === MessageType.CommandAMF0 && message.data.includes(Buffer.from('ignored'))) received.push('the command');
      },
    });
    assert.deepEqual(received, ['@setDataFrame onMetaData']);
  });

  it('writing before publish() fails the pipeline with ERR_SESSION_STATE', async () => {
    await withServer(async (url) => {
      const client = new Client();
      await client.connect(url);
      await assert.rejects(
        pipeline(Readable.from([{ kind: 'audio', streamId: 0, timestamp: 0, payload: AAC }]), createPublishStream(client)),
        (err) => isRtmpError(err, 'ERR_SESSION_STATE'),
      );
      await client.close();
    });
  });

  it('a play stream destroyed early closes its client', async () => {
    await withServer(async (url, server) => {
      const player = new Client();
      await player.connect(url);
      await player.play();
      const left = once(server, 'disconnect');
      const closed = once(player, 'close');
      const stream = createPlayStream(player);
      stream.destroy();
      await Promise.all([left, closed]);
      assert.equal(player.state, 'disconnected');
    });
  });
});
