import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ErrorCode, HandshakeError, isRtmpError } from '../../lib/errors.js';
import { performClientHandshake, performServerHandshake } from '../../lib/handshake/socket.js';
import type { HandshakeResult, HandshakeScheme } from '../../lib/handshake/types.js';

const TRAILING = Buffer.from('030000000000191400000000020007636f6e6e656374', 'hex'); // chunk header + "connect"

/** A loopback server whose connections go to `onSocket`; closed by the returned function. */
async function listen(onSocket: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** `first` plus what the socket delivers next, once at least `n` bytes are in; pauses the socket again. */
function readAtLeast(socket: net.Socket, first: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts = [first];
    let total = first.length;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      total += chunk.length;
      if (total >= n) {
        socket.off('data', onData);
        socket.pause();
        resolve(Buffer.concat(parts));
      }
    };
    if (total >= n) resolve(first);
    else socket.on('data', onData).resume(); // an explicit pause() is not undone by adding a listener
  });
}

function listenerCounts(socket: net.Socket): number[] {
  return ['data', 'end', 'close', 'error', 'readable'].map((e) => socket.listenerCount(e));
}

for (const scheme of ['digest', 'simple'] as const satisfies readonly HandshakeScheme[]) {
  test(`client ⇄ server over loopback, ${scheme} scheme: results, rest and clean sockets`, async () => {
    let serverSide!: Promise<{ result: HandshakeResult; after: Buffer; clean: boolean }>;
    const srv = await listen((socket) => {
      const before = listenerCounts(socket);
      serverSide = performServerHandshake(socket, { timeout: 5000 }).then(async (result) => {
        const clean = socket.isPaused() && listenerCounts(socket).join() === before.join();
        const after = await readAtLeast(socket, result.rest, TRAILING.length);
        return { result, after, clean };
      });
    });
    const socket = await connect(srv.port);
    try {
      const before = listenerCounts(socket);
      const client = await performClientHandshake(socket, { scheme, timeout: 5000 });
      assert.equal(socket.isPaused(), true);
      assert.deepEqual(listenerCounts(socket), before);
      socket.write(TRAILING);
      const { result, after, clean } = await serverSide;
      assert.equal(clean, true, 'server socket paused, our listeners gone');
      assert.deepEqual(after, TRAILING);
      assert.equal(client.scheme, scheme);
      assert.equal(result.scheme, scheme);
      assert.equal(client.s2Valid, true);
      assert.equal(result.c2Valid, true);
      assert.equal(result.peerVersion, scheme === 'digest' ? 0x09007c02 : 0);
      assert.equal(client.peerVersion, scheme === 'digest' ? 0x05000301 : 0);
      if (scheme === 'digest') {
        assert.equal(client.peerDigestValid, true);
        assert.equal(result.peerDigestValid, true);
      }
    } finally {
      socket.destroy();
      await srv.close();
    }
  });
}

test('bytes written with C2 in one write reach the caller through rest and the next reads', async () => {
  let serverSide!: Promise<{ result: HandshakeResult; after: Buffer }>;
  const srv = await listen((socket) => {
    serverSide = performServerHandshake(socket, { timeout: 5000 }).then(async (result) => ({
      result,
      after: await readAtLeast(socket, result.rest, TRAILING.length),
    }));
  });
  const socket = await connect(srv.port);
  try {
    // A hand-rolled simple client: C0+C1, then C2 (echo of S1) and the first chunk in one write.
    const c1 = Buffer.alloc(1536, 0x5a);
    socket.write(Buffer.concat([Buffer.from([3]), c1]));
    const answer = await readAtLeast(socket, Buffer.alloc(0), 3073);
    assert.equal(answer.length, 3073);
    assert.deepEqual(answer.subarray(1537), c1); // S2 echoes C1
    socket.write(Buffer.concat([answer.subarray(1, 1537), TRAILING]));
    const { result, after } = await serverSide;
    assert.equal(result.scheme, 'simple');
    assert.equal(result.c2Valid, true);
    assert.deepEqual(after, TRAILING);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('server: a peer that never sends fails with HANDSHAKE_TIMEOUT', async () => {
  let serverSide!: Promise<HandshakeResult>;
  const srv = await listen((socket) => {
    serverSide = performServerHandshake(socket, { timeout: 60 });
  });
  const socket = await connect(srv.port);
  try {
    await assert.rejects(serverSide, (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_TIMEOUT) && /60 ms/.test((err as Error).message));
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('client: a server that never answers fails with HANDSHAKE_TIMEOUT', async () => {
  const srv = await listen(() => {});
  const socket = await connect(srv.port);
  try {
    await assert.rejects(performClientHandshake(socket, { timeout: 60 }), (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_TIMEOUT));
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('server: the peer closing mid-handshake is HANDSHAKE_CLOSED', async () => {
  let serverSide!: Promise<HandshakeResult>;
  const srv = await listen((socket) => {
    serverSide = performServerHandshake(socket, { timeout: 5000 });
  });
  const socket = await connect(srv.port);
  try {
    socket.end(Buffer.concat([Buffer.from([3]), Buffer.alloc(100)]));
    await assert.rejects(serverSide, (err: unknown) => err instanceof HandshakeError && err.code === ErrorCode.HANDSHAKE_CLOSED);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('client: the server closing after C0+C1 is HANDSHAKE_CLOSED', async () => {
  const srv = await listen((socket) => {
    socket.once('data', () => socket.end(Buffer.from([3, 0, 0])));
  });
  const socket = await connect(srv.port);
  try {
    await assert.rejects(performClientHandshake(socket, { timeout: 5000 }), (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_CLOSED));
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('a socket error mid-handshake is HANDSHAKE_CLOSED with the error as cause', async () => {
  let serverSide!: Promise<HandshakeResult>;
  const boom = new Error('boom');
  const srv = await listen((socket) => {
    serverSide = performServerHandshake(socket, { timeout: 5000 });
    socket.once('data', () => socket.destroy(boom));
  });
  const socket = await connect(srv.port);
  try {
    socket.write(Buffer.from([3]));
    await assert.rejects(serverSide, (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_CLOSED) && err.cause === boom);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('an HTTP request on the RTMP port is HANDSHAKE_VERSION', async () => {
  let serverSide!: Promise<HandshakeResult>;
  const srv = await listen((socket) => {
    serverSide = performServerHandshake(socket, { timeout: 5000 });
  });
  const socket = await connect(srv.port);
  try {
    socket.write('GET / HTTP/1.1\r\n\r\n');
    await assert.rejects(serverSide, (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_VERSION) && /not RTMP/.test((err as Error).message));
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('aborting the signal rejects with its reason and removes the listeners', async () => {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  let serverSide!: Promise<HandshakeResult>;
  let serverSocket!: net.Socket;
  let before: number[] = [];
  const srv = await listen((socket) => {
    serverSocket = socket;
    before = listenerCounts(socket);
    serverSide = performServerHandshake(socket, { signal: controller.signal, timeout: 5000 });
    socket.once('data', () => controller.abort(reason)); // abort once C0 is in
  });
  const socket = await connect(srv.port);
  try {
    socket.write(Buffer.from([3]));
    await assert.rejects(serverSide, (err: unknown) => err === reason);
    assert.deepEqual(listenerCounts(serverSocket), before); // the test's once('data') has fired and gone too
    assert.equal(serverSocket.isPaused(), true);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('an already aborted signal rejects with its reason before any byte is sent', async () => {
  let received = 0;
  const srv = await listen((socket) => socket.on('data', (d: Buffer) => (received += d.length)));
  const socket = await connect(srv.port);
  try {
    await assert.rejects(performClientHandshake(socket, { signal: AbortSignal.abort(new Error('early')) }), /early/);
    assert.equal(socket.bytesWritten, 0);
    assert.equal(received, 0);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('a negative timeout is a RangeError; a destroyed socket is HANDSHAKE_CLOSED', async () => {
  const srv = await listen(() => {});
  const socket = await connect(srv.port);
  try {
    await assert.rejects(performServerHandshake(socket, { timeout: -1 }), RangeError);
    await assert.rejects(performServerHandshake(socket, { timeout: Number.NaN }), RangeError);
  } finally {
    socket.destroy();
    await srv.close();
  }
  await assert.rejects(performServerHandshake(socket), (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_CLOSED));
  await assert.rejects(performClientHandshake(socket), (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_CLOSED));
});

test('a socket with an encoding set is a TypeError (timeout 0 accepted as no timer)', async () => {
  let serverSide!: Promise<HandshakeResult>;
  const srv = await listen((socket) => {
    socket.setEncoding('latin1');
    serverSide = performServerHandshake(socket, { timeout: 0 });
  });
  const socket = await connect(srv.port);
  try {
    socket.write(Buffer.from([3]));
    await assert.rejects(serverSide, TypeError);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('a bad client option throws before anything is sent', async () => {
  const srv = await listen(() => {});
  const socket = await connect(srv.port);
  try {
    const failing = (): never => {
      throw new Error('no entropy');
    };
    await assert.rejects(performClientHandshake(socket, { randomFill: failing }), /no entropy/);
    assert.equal(socket.bytesWritten, 0);
  } finally {
    socket.destroy();
    await srv.close();
  }
});
