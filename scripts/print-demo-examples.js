// Prints the README's first two queries as curl commands, with the demo grant's ids and the demo
// analyst's and owner's tokens filled in (read from what `maxhub demo seed` left under .run/).
const fs = require('fs');

const port = process.argv[2] || '3000';
const tokensFile = '.run/demo-tokens.jsonl';
const grantFile = '.run/demo-grant/grant.json';
if (!fs.existsSync(tokensFile) || !fs.existsSync(grantFile)) process.exit(0);
const tokens = Object.fromEntries(
  fs
    .readFileSync(tokensFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((l) => [l.email, l.token]),
);
const grant = JSON.parse(fs.readFileSync(grantFile, 'utf8'));
const slice = `query { slice(grantId: "${grant.grantId}", datasetId: "${grant.datasets[0].datasetId}", first: 5) { columns { name type } rows rowsReturned nextCursor rowsSuppressed } }`;
const audit = `query { auditEntries(companySlug: "hanbit-motors", action: "query.slice") { entries { seq occurredAt action actorUserId details } } }`;
const curl = (token, query) =>
  `  curl -s localhost:${port}/graphql -H 'authorization: Bearer ${token}' -H 'content-type: application/json' \\\n` +
  `    -d '${JSON.stringify({ query })}'`;
console.log('\n  Try it — the de-identified slice the signed demo grant gives the AI factory working group:');
console.log(curl(tokens['analyst@ai-factory.demo'], slice));
console.log('\n  and, as Hanbit Motors, every access to its data:');
console.log(curl(tokens['legal@hanbit-motors.demo'], audit));
