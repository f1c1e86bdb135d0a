/**
 * The handshake against real peers installed on the machine (and in CI): ffmpeg/ffprobe as player
 * and publisher, rtmpdump (librtmp) with and without the FP9 digest, and ffmpeg -listen as server.
 * What they send is asserted, so a change in their behaviour shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { performClientHandshake, performServerHandshake } from '../../lib/handshake/socket.js';
import type { HandshakeResult } from '../../lib/handshake/types.js';

const TEST_TIMEOUT = 30_000;

interface Peer {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function startPeer(command: string, args: string[]): Peer {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', reject);
  });
  return {
    child,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited.catch(() => {});
    },
  };
}

/** `first` and the socket's next reads until `done(bytes)`; rejects if the peer goes away first. */
function readUntil(socket: net.Socket, first: Buffer, done: (bytes: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let bytes = first;
    const finish = (err?: Error): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(bytes);
    };
    const onData = (chunk: Buffer): void => {
      bytes = Buffer.concat([bytes, chunk]);
      if (done(bytes)) finish();
    };
    const onClose = (): void => finish(new Error(`peer closed after ${bytes.length} bytes following the handshake`));
    if (done(bytes)) {
      resolve(bytes);
      return;
    }
    socket.on('data', onData).on('close', onClose).resume();
  });
}

interface Observed {
  result: HandshakeResult;
  /** `rest` followed by the next reads, up to and including the connect command. */
  after: Buffer;
  restLength: number;
}

/** A one-connection server running performServerHandshake, then waiting for the connect command. */
async function serveOnce(): Promise<{ port: number; observed: Promise<Observed>; close(): Promise<void> }> {
  let socket: net.Socket | undefined;
  let settle!: { resolve: (o: Observed) => void; reject: (e: unknown) => void };
  const observed = new Promise<Observed>((resolve, reject) => (settle = { resolve, reject }));
  const server = net.createServer((s) => {
    socket = s;
    s.on('error', () => {}); // the peer is killed at the end
    performServerHandshake(s, { timeout: 10_000 })
      .then(async (result) => {
        const after = await readUntil(s, result.rest, (b) => b.includes('connect'));
        settle.resolve({ result, after, restLength: result.rest.length });
      })
      .catch(settle.reject);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    observed,
    close: async () => {
      socket?.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Waits for the handshake and connect, failing early with the peer's log if it exits first. */
async function observe(peer: Peer, observed: Promise<Observed>): Promise<Observed> {
  const early = peer.exited.then((code) => {
    throw new Error(`peer exited (${code}) before connect:\n${peer.stderr()}`);
  });
  return Promise.race([observed, early]);
}

/** The connect command chunk: fmt 0 on chunk stream 3 (basic header 0x03), AMF0 string "connect". */
function assertConnectChunk(after: Buffer): void {
  assert.equal(after[0], 0x03, 'basic header: fmt 0, csid 3');
  assert.equal(after[7], 0x14, 'message type 20, AMF0 command');
  assert.ok(after.includes(Buffer.from([0x02, 0x00, 0x07, ...Buffer.from('connect')])), 'AMF0 string "connect"');
}

test('ffprobe playing: digest C1 9.0.124.2 schema 0; it validates our S1/S2 and sends connect; its C2 is signed', { timeout: TEST_TIMEOUT }, async () => {
  const srv = await serveOnce();
  const peer = startPeer('ffprobe', ['-v', 'error', `rtmp://127.0.0.1:${srv.port}/live/x`]);
  try {
    const { result, after } = await observe(peer, srv.observed);
    // ffmpeg aborts the handshake when our S1 digest or S2 signature is wrong: reaching connect proves both.
    assert.equal(result.peerVersion, 0x09007c02);
    assert.equal(result.scheme, 'digest');
    assert.equal(result.peerDigestValid, true);
    assert.equal(result.peerSchema, 0);
    assert.equal(result.c2Valid, true);
    assert.equal(result.peerEchoed, false); // a player signs C2 with our S1 digest
    assertConnectChunk(after);
  } finally {
    await peer.stop();
    await srv.close();
  }
});

test('ffmpeg publishing: digest C1, and C2 merely echoes S1, which we accept', { timeout: TEST_TIMEOUT }, async () => {
  const srv = await serveOnce();
  const peer = startPeer('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-t', '1', '-c:v', 'flv1', '-f', 'flv',
    `rtmp://127.0.0.1:${srv.port}/live/x`,
  ]);
  try {
    const { result, after } = await observe(peer, srv.observed);
    assert.equal(result.peerVersion, 0x09007c02);
    assert.equal(result.scheme, 'digest');
    assert.equal(result.peerDigestValid, true);
    assert.equal(result.peerSchema, 0);
    assert.equal(result.peerEchoed, true);
    assert.equal(result.c2Valid, true);
    assertConnectChunk(after);
  } finally {
    await peer.stop();
    await srv.close();
  }
});

test('rtmpdump with an SWF hash (FP9 handshake): digest C1 10.0.45.2 schema 0, validated; connect follows', { timeout: TEST_TIMEOUT }, async () => {
  const srv = await serveOnce();
  const peer = startPeer('rtmpdump', [
    '-q', '-r', `rtmp://127.0.0.1:${srv.port}/live/x`, '-o', '/dev/null',
    '-w', '00'.repeat(32), '-x', '1', // SWF hash and size make librtmp use the FP9 digest handshake
  ]);
  try {
    const { result, after } = await observe(peer, srv.observed);
    assert.equal(result.peerVersion, 0x0a002d02);
    assert.equal(result.scheme, 'digest');
    assert.equal(result.peerSchema, 0);
    assert.equal(result.peerDigestValid, true); // librtmp also checks our S1 ("Genuine Adobe Flash Media Server")
    assert.equal(result.peerEchoed, false);
    assert.equal(result.c2Valid, true);
    assertConnectChunk(after);
  } finally {
    await peer.stop();
    await srv.close();
  }
});

test('plain rtmpdump (no SWF hash): simple C1 (version 0), C2 echoes S1, connect follows', { timeout: TEST_TIMEOUT }, async () => {
  const srv = await serveOnce();
  const peer = startPeer('rtmpdump', ['-q', '-r', `rtmp://127.0.0.1:${srv.port}/live/x`, '-o', '/dev/null']);
  try {
    const { result, after } = await observe(peer, srv.observed);
    assert.equal(result.peerVersion, 0);
    assert.equal(result.scheme, 'simple');
    assert.equal(result.peerDigestValid, undefined);
    assert.equal(result.peerEchoed, true);
    assert.equal(result.c2Valid, true);
    assertConnectChunk(after);
  } finally {
    await peer.stop();
    await srv.close();
  }
});

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Connects to a peer that is still starting up: bounded retries on ECONNREFUSED. */
async function connectWhenListening(port: number, peer: Peer): Promise<net.Socket> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const socket = net.connect(port, '127.0.0.1');
    try {
      await Promise.race([once(socket, 'connect'), peer.exited.then(() => Promise.reject(new Error(`peer exited:\n${peer.stderr()}`)))]);
      return socket;
    } catch (err) {
      socket.destroy();
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
      await new Promise((r) => setTimeout(r, 25)); // retry interval while ffmpeg starts listening
    }
  }
  throw new Error(`nothing listening on ${port}`);
}

for (const scheme of ['digest', 'simple'] as const) {
  test(`our ${scheme} client against ffmpeg -listen: ffmpeg answers with a simple S1 (version 0) and S2 echoing C1; it takes our C2`, { timeout: TEST_TIMEOUT }, async () => {
    const port = await freePort();
    const peer = startPeer('ffmpeg', ['-hide_banner', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/x`, '-f', 'null', '-']);
    try {
      const socket = await connectWhenListening(port, peer);
      const result = await performClientHandshake(socket, { scheme, timeout: 10_000 });
      // ffmpeg's server S1 carries version 0 and no digest, so even our digest client falls back.
      assert.equal(result.peerVersion, 0);
      assert.equal(result.scheme, 'simple');
      assert.equal(result.peerDigestValid, undefined);
      assert.equal(result.peerEchoed, true);
      assert.equal(result.s2Valid, true);
      assert.equal(result.rest.length, 0); // ffmpeg sends nothing more until connect
      socket.end();
      await peer.exited;
      // ffmpeg warns "Erroneous C2 Message ..." when C2 does not echo its S1 (checked with a random C2).
      assert.doesNotMatch(peer.stderr(), /Erroneous C2/);
      assert.doesNotMatch(peer.stderr(), /handshake/i);
    } finally {
      await peer.stop();
    }
  });
}
