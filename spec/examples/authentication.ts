// Adobe authentication (what ffmpeg and OBS do for rtmp://user:pass@host/app) on the server and in the client.
// Run: node --import tsx authentication.ts
import { Client, Server, isRtmpError } from '../../lib/index.js';

const server = new Server({
  addr: '127.0.0.1:0',
  auth: { username: 'admin', password: 'secret' },
  // or: auth: [{ username: 'a', password: '1' }, { username: 'b', password: '2' }]
  // or: auth: async (username, { app, remoteAddress }) => lookUpPassword(username) // undefined = no such user
  // or: auth: { users: [...], lookup, methods: ['adobe', 'llnw'], challengeTimeout: 60_000, maxPendingChallenges: 1000 }
  async onConnect(_conn, info) {
    // Runs only after authentication succeeded; info.username says who. Still decides the rest:
    if (info.query.token === 'revoked') throw new Error('token revoked');
    console.log(`${info.username} connected`);
  },
});
await server.listen();
const port = server.address()!.port;

const intruder = new Client({ username: 'admin', password: 'guess' });
await intruder.connect(`rtmp://127.0.0.1:${port}/live`).catch((err: unknown) => console.log(`wrong password: ${isRtmpError(err) ? err.code : err}`));

// The client answers the challenge by itself: user info in the URL, or { username, password } in its config.
const client = new Client();
await client.connect(`rtmp://admin:secret@127.0.0.1:${port}/live`);
await client.close();
await server.close();
