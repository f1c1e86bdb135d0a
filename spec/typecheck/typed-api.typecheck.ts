/**
 * Compile-time checks (spec/typecheck/typecheck.spec.ts runs tsc on this file): the events of
 * Client and ServerConnection are typed like Server's, so a misspelled event name or a listener
 * with the wrong signature does not compile; close() and call() take options objects. Every
 * `@ts-expect-error` must be needed: if the API were loose, tsc would fail on the unused directive.
 */
import { Client, Server, type PlaybackEnd, type ReceivedStatus, type ServerConnection } from '../../lib/index.js';

declare const client: Client;
declare const server: Server;
declare const conn: ServerConnection;

// Client: typed listeners compile.
client.on('state', (state) => state.toUpperCase());
client.on('status', (info: ReceivedStatus, streamId: number) => [info.code, streamId]);
client.on('playEnd', (end: PlaybackEnd) => end.reason);
client.on('close', (err) => err?.message);
client.once('close', (err: Error | undefined) => err);

// @ts-expect-error a misspelled event name
client.on('stauts', () => undefined);
// @ts-expect-error the listener's parameter has the wrong type
client.on('status', (info: string) => info);
// @ts-expect-error 'state' gives a ClientState, not a number
client.on('state', (state: number) => state);
// @ts-expect-error emit with the wrong arguments
client.emit('close', 'not an error');

// ServerConnection: typed listeners compile.
conn.on('close', (err) => err?.message);
conn.on('state', (state) => state === 'playing');
conn.on('protocolControl', (control) => control.type);

// @ts-expect-error a misspelled event name
conn.on('closed', () => undefined);
// @ts-expect-error the listener's parameter has the wrong type
conn.on('close', (err: string) => err);

// Server's events stay typed, the stream-name query included.
server.on('publish', (_conn, name, type, info) => [name, type, info.query.token]);
server.on('play', (_conn, name, info) => [name, info.query]);
// @ts-expect-error a misspelled event name
server.on('publsh', () => undefined);

// One close convention: an options object everywhere.
void client.close({ timeout: 1000, signal: AbortSignal.timeout(2000) });
void conn.close({ timeout: 1000 });
void server.close({ signal: new AbortController().signal });
// @ts-expect-error the old positional timeout
void client.close(1000);
// @ts-expect-error the old positional timeout
void conn.close(1000);
// @ts-expect-error the old positional deadline
void server.close(1000);

// call(): the arguments as an array, then { timeout, signal }.
void client.call('add', [1, 2], { timeout: 500, signal: AbortSignal.timeout(1000) });
// @ts-expect-error the old variadic form
void client.call('add', 1, 2);
