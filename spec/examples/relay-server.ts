// An edge server: pulls what its players ask for from an origin, and restreams every publish of
// the app "live" to a platform (whose URL carries the stream key), with one more destination per
// stream chosen by a hook. Each relay's state changes are logged.
// Run: ORIGIN=rtmp://origin:1935/live PLATFORM=rtmp://a.rtmp.youtube.com/live2/KEY node --import tsx relay-server.ts
import { Server } from '../../lib/index.js';

const server = new Server({
  addr: process.env.RTMP_ADDR ?? ':1935',
  relay: {
    // Every stream published here under "live" also goes to the platform.
    push: [{ url: process.env.PLATFORM!, apps: ['live'] }],
    // Per publish: a stream named "*-archive" also goes to ARCHIVE under its own name.
    pushTo: ({ name }) => (name.endsWith('-archive') ? process.env.ARCHIVE : undefined),
    // A play of a stream nobody publishes here is pulled from the origin, once for all its players.
    pull: [process.env.ORIGIN!],
    idleTimeout: 10_000, // ms the upstream stays after the last player left
    backoff: { initialDelay: 1000, maxDelay: 30_000 }, // reconnect delays
  },
});

server.relay!.on('push', (s) => console.log(`push ${s.app}/${s.name} -> ${s.url}: ${s.state}${s.error ? ` (${s.error.message})` : ''}`));
server.relay!.on('pull', (s) => console.log(`pull ${s.app}/${s.name} <- ${s.url}: ${s.state}`));

await server.listen();
console.log(`listening on port ${server.address()!.port}`);
process.once('SIGTERM', () => void server.close().then(() => console.log('stopped')));
