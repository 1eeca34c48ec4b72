// The peer bench/sync_throughput.py measures against, in two roles:
//   node peer.js serve DIR            a CouchDB-protocol server (express-pouchdb on LevelDB);
//                                     prints {"port": N} once listening
//   node peer.js replicate DOCS URL   loads DOCS (a JSON array, one document per case) into a
//                                     fresh local PouchDB (not timed), then times one
//                                     replication to URL; prints one JSON line
// "Tuned" as the issue measured it: batches of 1,000 documents over keep-alive connections.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const PouchDB = require('pouchdb-node');

function serve(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const express = require('express');
  const app = express();
  const Server = PouchDB.defaults({ prefix: dir + path.sep });
  app.use('/', require('express-pouchdb')(Server, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const server = app.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ port: server.address().port }));
  });
}

async function replicate(docsFile, url, dir) {
  const docs = JSON.parse(fs.readFileSync(docsFile, 'utf8'));
  const local = new PouchDB(path.join(dir, 'local'));
  await local.bulkDocs(docs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const remote = new PouchDB(url, { fetch: (u, opts) => PouchDB.fetch(u, { ...opts, agent }) });
  const started = process.hrtime.bigint();
  const result = await local.replicate.to(remote, { batch_size: 1000, batches_limit: 2 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = docs.reduce((sum, doc) => sum + Buffer.byteLength(JSON.stringify(doc)), 0);
  console.log(JSON.stringify({
    docs: result.docs_written, seconds, docs_per_s: result.docs_written / seconds,
    doc_bytes: Math.round(bytes / docs.length),
  }));
  agent.destroy();
}

const [role, a, b, c] = process.argv.slice(2);
if (role === 'serve') serve(a);
else if (role === 'replicate') replicate(a, b, c).catch((err) => { console.error(err); process.exit(1); });
else { console.error('usage: peer.js serve DIR | replicate DOCS URL DIR'); process.exit(2); }
