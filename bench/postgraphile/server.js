// PostGraphile serving the same database as the API, for bench/leads-page.ts.
const http = require('node:http');
const { postgraphile } = require('postgraphile');

const [url, port] = process.argv.slice(2);
http
  .createServer(postgraphile(url, 'public', { disableDefaultMutations: true, graphiql: false, disableQueryLog: true }))
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
