// `npm run playground:serve [-- PORT]`: serves examples/playground/dist on
// 127.0.0.1 (module scripts do not run from file:// URLs). Build it first
// with `npm run playground`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'dist');
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const port = Number(process.argv[2] ?? 8080);

createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const file = resolve(root, '.' + (path.endsWith('/') ? path + 'index.html' : path));
  if (!file.startsWith(root + sep)) return res.writeHead(403).end();
  try {
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found (did you run `npm run playground`?)');
  }
}).listen(port, '127.0.0.1', () => console.log(`playground: http://127.0.0.1:${port}/`));
