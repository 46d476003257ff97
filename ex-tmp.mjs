import express from 'express';
import http from 'node:http';
import { fork } from 'node:child_process';
if (process.argv[2] === 'client') {
  const port = process.argv[3]; let i = 0; const N = 30000;
  await Promise.all(Array.from({ length: 8 }, async () => { while (i++ < N) await (await fetch(`http://127.0.0.1:${port}/scim/v2/abc/Users?x=1`, { headers: { authorization: 'Bearer x' } })).text(); }));
  process.exit(0);
}
const app = express(); app.set('etag', false); app.disable('x-powered-by');
const r = express.Router({ mergeParams: true });
r.use((req, res, next) => next());
r.get('/:resource', (req, res) => res.status(200).type('application/scim+json').send('{"a":1}'));
app.use('/scim/v2/:org', r);
const srv = http.createServer(process.env.PLAIN ? (req, res) => { res.writeHead(200, {'content-type': 'application/json'}); res.end('{"a":1}'); } : app);
srv.listen(0, async () => {
  const c0 = process.cpuUsage();
  const child = fork(new URL(import.meta.url).pathname, ['client', srv.address().port]);
  await new Promise((r) => child.on('exit', r));
  const c = process.cpuUsage(c0);
  console.log(process.env.PLAIN ? 'plain' : 'express', 'server µs/req', ((c.user + c.system) / 30000).toFixed(0)); srv.close(); process.exit(0);
});
