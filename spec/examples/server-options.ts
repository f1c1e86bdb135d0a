// A server with its main options, hooks, events and a custom command; a client tries it, then it closes.
// Run: node --import tsx server-options.ts
import { Client, Server, isRtmpError } from '../../lib/index.js';

const server = new Server({
  addr: '127.0.0.1:0', // 'host:port', ':port' or a port; port 0 picks a free one (server.address().port)
  // tls: { key, cert, addr: ':443' },  // an RTMPS listener beside the plain one (PEM key and certificate)
  readTimeout: 30_000,
  writeTimeout: 30_000,
  handshakeTimeout: 10_000,
  chunkSize: 4096,
  windowAckSize: 2_500_000,
  maxConnections: 1000,
  limits: { maxPlayerBacklog: 4 << 20, maxStreamsPerConnection: 16, gopCache: { maxBytes: 16 << 20, maxMessages: 4096 } },
  async onConnect(_conn, info) {
    if (info.query.token !== 'secret') throw new Error('bad token'); // _error NetConnection.Connect.Rejected
  },
  async onPublish(_conn, name) {
    if (name.startsWith('private-')) throw new Error('not here'); // NetStream.Publish.Denied
  },
  async onPlay() {}, // throw to refuse: NetStream.Play.Failed
  onDisconnect() {},
});
server.on('publish', (conn, name) => console.log(`${conn.remoteAddress} publishes ${name}`));
server.registerCommand('getAnswer', () => 42); // custom RPC: the return value is the _result, a throw the _error
await server.listen();
const base = `rtmp://127.0.0.1:${server.address()!.port}/live`;

const stranger = new Client();
await stranger.connect(base).catch((err: unknown) => console.log(`without the token: ${isRtmpError(err) ? err.code : err}`));

const client = new Client();
await client.connect(`${base}?token=secret`); // the query of the app: info.query / conn.query
await client.publish('cam');
const reply = await client.call('getAnswer');
console.log(`getAnswer answered ${String(reply.args[0])}`);
await client.close();
await server.close(); // graceful: stop accepting, statuses, flush, close
console.log('closed');
