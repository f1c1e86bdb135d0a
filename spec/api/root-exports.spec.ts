// The root export is curated (issue 10, item 5): what an application needs, and the rest at each
// layer's entry point. These lists pin it, so a new root name is a deliberate change made here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import * as root from '../../lib/index.js';
import { Client } from '../../lib/client/index.js';
import { Server, ServerConnection } from '../../lib/server/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runtime names of `rtmp-pipeline`, sorted. */
const RUNTIME_NAMES = [
  'AmfError',
  'ChunkDecoder',
  'ChunkEncoder',
  'ChunkError',
  'Client',
  'ClientState',
  'CodecError',
  'CommandDecoder',
  'CommandEncoder',
  'CommandError',
  'ErrorCode',
  'FlvDemuxer',
  'FlvError',
  'FlvMuxer',
  'HandshakeError',
  'MessageAssembler',
  'MessageChunker',
  'MessageError',
  'MessageType',
  'RealtimePacer',
  'RtmpError',
  'Server',
  'SessionError',
  'StageError',
  'StatusCode',
  'StreamType',
  'createMessage',
  'createPlayStream',
  'createPublishStream',
  'isRtmpError',
  'parseRtmpUrl',
  'startCluster',
];

/** Type-only names of `rtmp-pipeline`, sorted. */
const TYPE_NAMES = [
  'Boundary',
  'Chunk',
  'ClientConfig',
  'ClientEvents',
  'CloseOptions',
  'ClusterNode',
  'ClusterOptions',
  'CommandEvent',
  'CommandOptions',
  'ConnectInfo',
  'ConnectOptions',
  'ConnectionLimits',
  'ConnectionStages',
  'ConnectionState',
  'DataEvent',
  'Direction',
  'LogLevel',
  'Logger',
  'MediaEvent',
  'Message',
  'PlayOptions',
  'PlayStreamOptions',
  'PlaybackEnd',
  'PlaybackEndReason',
  'PublishStreamOptions',
  'ReceivedStatus',
  'RecordingConfig',
  'RelayOptions',
  'RelayRule',
  'RtmpEvent',
  'RtmpEventKind',
  'RtmpUrl',
  'ServerCommandHandler',
  'ServerConfig',
  'ServerConnection',
  'ServerEvents',
  'ServerLimits',
  'ServerState',
  'ServerTlsOptions',
  'StageSplices',
  'StatusInfo',
  'StatusLevel',
  'StreamRequestInfo',
  'VodConfig',
];

/** Names `export { … }` / `export type { … }` lists in lib/index.ts, split by kind. */
function declaredExports(text: string): { values: string[]; types: string[] } {
  const values: string[] = [];
  const types: string[] = [];
  for (const [, typeOnly, list] of text.matchAll(/^export (type )?\{([^}]*)\} from '[^']+';/gm)) {
    for (const item of list!.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [name, inline] = item.startsWith('type ') ? [item.slice(5), true] : [item, false];
      const exported = name.split(/\s+as\s+/).pop()!;
      (typeOnly || inline ? types : values).push(exported);
    }
  }
  return { values: values.sort(), types: types.sort() };
}

describe('the root export (rtmp-pipeline)', () => {
  const source = readFileSync(resolve(ROOT, 'lib/index.ts'), 'utf8');

  it(`has exactly ${RUNTIME_NAMES.length} runtime names: the roles, the stages, errors, and the enums users pass`, () => {
    assert.deepEqual(Object.keys(root).sort(), RUNTIME_NAMES);
    assert.equal(RUNTIME_NAMES.length, 32);
  });

  it(`names every export in a list (no export *) and has exactly ${TYPE_NAMES.length} type names`, () => {
    assert.doesNotMatch(source, /^export \*/m, 'lib/index.ts re-exports a whole module');
    const { values, types } = declaredExports(source);
    assert.deepEqual(values, RUNTIME_NAMES);
    assert.deepEqual(types, TYPE_NAMES);
    assert.equal(TYPE_NAMES.length, 44);
  });

  it('keeps internals out of the root (they stay at their layer entry points)', () => {
    const names = new Set(Object.keys(root));
    for (const internal of ['ByteQueue', 'StageChain', 'ClientConnection', 'readUntilNull', 'RtmpConnection', 'ChunkParser', 'amf0', 'HttpServer']) {
      assert.ok(!names.has(internal), internal);
    }
  });

  it('the stage classes are the ones the layers export', async () => {
    const chunk = await import('../../lib/chunk/index.js');
    const command = await import('../../lib/command/index.js');
    const flv = await import('../../lib/flv/index.js');
    assert.equal(root.ChunkDecoder, chunk.ChunkDecoder);
    assert.equal(root.MessageChunker, chunk.MessageChunker);
    assert.equal(root.CommandDecoder, command.CommandDecoder);
    assert.equal(root.FlvDemuxer, flv.FlvDemuxer);
    assert.equal(root.RealtimePacer, flv.RealtimePacer);
  });
});

describe("the seed's names (lib/seed-aliases.ts)", () => {
  it('forward to the Node-style members', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.start();
    assert.equal(server.state, 'listening');
    assert.deepEqual(server.getConnections(), server.connections);
    assert.equal(server.getConnectionCount(), 0);
    await server.stop();
    assert.equal(server.state, 'closed');
  });

  it('are defined like class members (not enumerable) on the prototypes, and nowhere in the class bodies', () => {
    for (const [proto, names] of [
      [Server.prototype, ['start', 'stop', 'getConnections', 'getConnectionCount']],
      [ServerConnection.prototype, ['remoteAddr']],
      [Client.prototype, ['subscribe']],
    ] as const) {
      for (const name of names) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        assert.ok(d, name);
        assert.equal(d.enumerable, false, name);
      }
    }
    assert.equal(typeof Object.getOwnPropertyDescriptor(ServerConnection.prototype, 'remoteAddr')!.get, 'function');
    for (const file of ['lib/server/server.ts', 'lib/server/server-connection.ts', 'lib/client/client.ts']) {
      const text = readFileSync(resolve(ROOT, file), 'utf8');
      assert.doesNotMatch(text, /^  (get remoteAddr|subscribe|getConnections|getConnectionCount|start|stop)\(/m, file); // a class member
    }
  });

  it('subscribe is play, remoteAddr is remoteAddress', () => {
    const calls: unknown[][] = [];
    const fake = { play: (...args: unknown[]) => (calls.push(args), Promise.resolve(1)) };
    void Client.prototype.subscribe.call(fake as unknown as Client, 'live', { start: -1 });
    assert.deepEqual(calls, [['live', { start: -1 }]]);
    const conn = Object.create(ServerConnection.prototype) as ServerConnection & { remoteAddress: string };
    Object.defineProperty(conn, 'remoteAddress', { value: '192.0.2.1' });
    assert.equal(conn.remoteAddr, '192.0.2.1');
  });
});
