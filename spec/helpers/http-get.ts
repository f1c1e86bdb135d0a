/** GET on a local HTTP port: the body as text, or parsed as JSON. */
import http from 'node:http';

export function getText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (body += s));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

export function getJson<T>(port: number, path: string): Promise<T> {
  return getText(port, path).then((body) => JSON.parse(body) as T);
}
