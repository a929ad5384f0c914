// Calls a RaftKV node with grpc-js: one round trip of each KV method, then requests the node must
// refuse, printing one JSON object (what the client saw) for GrpcJsInteropTest to check.
// Usage: node interop.js <host:port> <proto dir>
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

const [target, protoDir] = process.argv.slice(2);
const definition = protoLoader.loadSync(path.join(protoDir, 'raftkv/v1/kv.proto'), {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).raftkv.v1;
const kv = new v1.KV(target, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 10000);
const b = (s) => Buffer.from(s, 'utf8');
const text = (buf) => Buffer.from(buf).toString('utf8');

function unary(method, request) {
  return new Promise((resolve) => {
    kv[method](request, { deadline: deadline() }, (err, response) => {
      if (err) {
        resolve({ code: err.code, details: err.details, reason: (err.metadata.get('raftkv-error-reason') || [])[0] });
      } else {
        resolve({ code: 0, response });
      }
    });
  });
}

function pipeline(calls) {
  return new Promise((resolve) => {
    const stream = kv.Pipeline({ deadline: deadline() });
    const results = [];
    stream.on('data', (m) => results.push(...m.results));
    stream.on('error', (err) => resolve({ code: err.code, details: err.details, results }));
    stream.on('end', () => resolve({ code: 0, results }));
    stream.write({ calls });
    stream.end();
  });
}

async function main() {
  const out = {};
  const put = await unary('Put', { key: b('interop/a'), value: b('1') });
  out.put = { code: put.code, index: put.response && put.response.header.raft_index };
  const get = await unary('Get', { key: b('interop/a') });
  out.get = { code: get.code, value: get.response && get.response.kv && text(get.response.kv.value) };
  const cas = await unary('CompareAndSet', {
    compare: { key: b('interop/a'), target: 'VALUE', value: b('1') }, value: b('2'),
  });
  out.compareAndSet = { code: cas.code, succeeded: cas.response && cas.response.succeeded };
  const txn = await unary('Txn', {
    compares: [{ key: b('interop/a'), target: 'VALUE', value: b('2') }],
    success: [{ put: { key: b('interop/b'), value: b('3') } }, { get: { key: b('interop/a') } }],
  });
  out.txn = { code: txn.code, succeeded: txn.response && txn.response.succeeded,
    results: txn.response ? txn.response.results.length : -1 };
  const range = await unary('Range', { prefix: b('interop/') });
  out.range = { code: range.code, keys: range.response ? range.response.kvs.map((x) => text(x.key)) : [] };
  const del = await unary('Delete', { key: b('interop/b') });
  out.delete = { code: del.code, deleted: del.response && Number(del.response.deleted) };
  const piped = await pipeline([{ id: '7', get: { key: b('interop/a') } }]);
  out.pipeline = { code: piped.code, ids: piped.results.map((r) => r.id),
    value: piped.results.length === 1 && piped.results[0].get && piped.results[0].get.kv
      ? text(piped.results[0].get.kv.value) : null };

  out.errors = {
    emptyKey: await unary('Put', { key: b(''), value: b('x') }),
    valueTooLarge: await unary('Put', { key: b('k'), value: b('x'.repeat(17)) }),
    invertedRange: await unary('Range', { interval: { start: b('z'), end: b('a') } }),
    nonAscii: await unary('CompareAndSet', { compare: { key: b('k'), target: 'MOD_INDEX', mod_index: '0' },
      value: b('x') }),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  kv.close();
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
