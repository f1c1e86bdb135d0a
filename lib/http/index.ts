/** The server's HTTP side: HTTP-FLV, the stats API and Prometheus metrics. */
export { HttpServer, type HttpServerOptions, type HttpServerEvents } from './http-server.js';
export { HttpFlvPlayer, parseFlvPath, type HttpFlvRequestInfo } from './http-flv.js';
export * from './stats-api.js';
export * from './metrics.js';
