/**
 * A light RTMP player for load generation: handshake, connect, createStream and play like any
 * player, then the synchronous chunk-layer cores (`ChunkParser` + `MessageCollector`) on each
 * socket read, without the Transform pipeline, command decoding of media or a promise per
 * message. The load process shares the machine with the server under test: a player that costs
 * as little as the raw baseline's frame reader keeps the comparison about the server.
 *
 * Every message is still parsed and reassembled (a wrong byte anywhere breaks the chunk stream,
 * which ends the player with its missing messages counted), and acknowledgements are sent when the
 * server's window is crossed, as real players do.
 */
import net from 'node:net';
import { ChunkParser } from '../../lib/chunk/chunk-parser.js';
import { MessageCollector } from '../../lib/chunk/message-collector.js';
import { OutboundChunkState } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import { performClientHandshake } from '../../lib/handshake/socket.js';
import { createCommandMessage, decodeCommandMessage, type Command } from '../../lib/message/command.js';
import { MessageType } from '../../lib/message/message-type.js';
import type { Message } from '../../lib/message/message.js';
import { createProtocolControlMessage } from '../../lib/message/protocol-control.js';

export interface LeanPlayer {
  socket: net.Socket;
  /** Settles when the connection ends (for any reason). */
  closed: Promise<void>;
}

/**
 * Connects to `rtmp://host:port/app`, plays `stream`, and calls `onMedia` with each audio/video
 * payload (a view valid during the call) on whatever message stream the server sends it. Resolves once play was sent and the server answered
 * createStream.
 */
export async function leanPlayer(
  port: number,
  app: string,
  stream: string,
  onMedia: (payload: Buffer, kind: 'audio' | 'video') => void,
  host = '127.0.0.1',
): Promise<LeanPlayer> {
  const socket = net.connect(port, host);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const { rest } = await performClientHandshake(socket, { timeout: 20_000 });

  const out = new OutboundChunkState();
  const send = (message: Message): void => {
    socket.write(serializeMessage(message, out, 128));
  };
  const waiting = new Map<number, (command: Command) => void>();
  const collector = new MessageCollector();
  const onMessage = (m: Message): void => {
    if (m.type === MessageType.Audio) onMedia(m.data, 'audio');
    else if (m.type === MessageType.Video) onMedia(m.data, 'video');
    else if (m.type === MessageType.CommandAMF0) {
      const command = decodeCommandMessage(m);
      const resolve = waiting.get(command.transactionId);
      if (resolve && (command.name === '_result' || command.name === '_error')) {
        waiting.delete(command.transactionId);
        resolve(command);
      }
    }
  };
  const parser = new ChunkParser(
    {},
    {
      onChunk: (chunk) => {
        const message = collector.add(chunk);
        if (message) onMessage(message);
      },
      onSetChunkSize: () => {},
      onWindowAckSize: () => {},
      onAcknowledgement: (sequenceNumber) => send(createProtocolControlMessage({ type: MessageType.Acknowledgement, sequenceNumber })),
    },
  );
  const push = (data: Buffer): void => {
    try {
      parser.push(data);
    } catch {
      socket.destroy();
    }
  };
  const call = (name: string, transactionId: number, commandObject: unknown, args: unknown[], streamId = 0): Promise<Command> => {
    const answered = new Promise<Command>((resolve, reject) => {
      waiting.set(transactionId, resolve);
      void closed.then(() => reject(new Error(`connection closed before the answer to ${name}`)));
    });
    send(createCommandMessage({ name, transactionId, commandObject, args }, { messageStreamId: streamId }));
    return answered;
  };

  if (rest.length > 0) push(rest);
  socket.on('data', push);
  socket.resume(); // the handshake paused it
  const tcUrl = `rtmp://${host}:${port}/${app}`;
  const connected = await call('connect', 1, { app, tcUrl, flashVer: 'LNX 9,0,124,2', fpad: false, capabilities: 15, audioCodecs: 3191, videoCodecs: 252, videoFunction: 1 }, []);
  if (connected.name !== '_result') throw new Error(`connect refused: ${JSON.stringify(connected.args)}`);
  const created = await call('createStream', 2, null, []);
  const streamId = created.args[0];
  if (created.name !== '_result' || typeof streamId !== 'number') throw new Error('createStream refused');
  send(createCommandMessage({ name: 'play', transactionId: 0, commandObject: null, args: [stream, -1000] }, { messageStreamId: streamId, chunkStreamId: 8 }));
  return { socket, closed };
}
