/**
 * How the server logs a peer leaving: a reset (a player killed with SIGINT) is a normal end,
 * logged at info; a stream cut off inside a message is a warning with its stable code.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { ErrorCode } from '../../lib/errors.js';
import { Server } from '../../lib/server/index.js';

function capturingLogger(): { lines: Array<{ level: string; text: string }>; debug(t: string): void; info(t: string): void; warn(t: string): void; error(t: string): void } {
  const lines: Array<{ level: string; text: string }> = [];
  const at = (level: string) => (text: string): void => void lines.push({ level, text });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function serverAndClient(logger: ReturnType<typeof capturingLogger>): Promise<{ server: Server; client: Client; socket: net.Socket; disconnected: Promise<Error | undefined> }> {
  const server = new Server({ addr: '127.0.0.1:0', logger });
  await server.listen();
  const disconnected = new Promise<Error | undefined>((resolve) => server.once('disconnect', (_conn, err) => resolve(err)));
  const client = new Client();
  await client.connect(`rtmp://127.0.0.1:${server.address()!.port}/live`);
  await client.play('s');
  return { server, client, socket: client.connection!.socket as net.Socket, disconnected };
}

it('a peer that resets the connection (ECONNRESET) is logged at info, not warn', async () => {
  const logger = capturingLogger();
  const { server, socket, disconnected } = await serverAndClient(logger);
  try {
    socket.resetAndDestroy();
    const err = await disconnected;
    assert.equal((err as { code?: string } | undefined)?.code, 'ECONNRESET');
    const closed = logger.lines.filter((l) => / closed: /.test(l.text));
    assert.deepEqual(closed.map((l) => l.level), ['info']);
    assert.match(closed[0]!.text, /ECONNRESET/);
    assert.deepEqual(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error'), []);
  } finally {
    await server.close();
  }
});

it('a clean end between messages logs nothing above info', async () => {
  const logger = capturingLogger();
  const { server, client, disconnected } = await serverAndClient(logger);
  try {
    await client.close();
    assert.equal(await disconnected, undefined);
    assert.deepEqual(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error'), []);
  } finally {
    await server.close();
  }
});

it('data cut off inside a message stays a warning (ERR_CHUNK_TRUNCATED)', async () => {
  const logger = capturingLogger();
  const { server, socket, disconnected } = await serverAndClient(logger);
  try {
    // A type-0 chunk header on chunk stream 3: a 100-byte AMF0 command, of which 10 bytes come.
    const header = Buffer.from([0x03, 0, 0, 0, 0, 0, 100, 20, 0, 0, 0, 0]);
    socket.end(Buffer.concat([header, Buffer.alloc(10)]));
    const err = await disconnected;
    assert.equal((err as { code?: string } | undefined)?.code, ErrorCode.CHUNK_TRUNCATED);
    const warned = logger.lines.filter((l) => l.level === 'warn');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.text, /closed: ERR_CHUNK_TRUNCATED/);
  } finally {
    await server.close();
  }
});
