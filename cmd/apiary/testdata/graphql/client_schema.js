// Reads a standard introspection result ({"data": {"__schema": …}}) on stdin and builds a
// client schema with graphql-js, as GraphiQL and code generators do; prints the type count.
const { buildClientSchema, assertValidSchema, printSchema } = require("graphql");
let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const result = JSON.parse(input);
  const schema = buildClientSchema(result.data);
  assertValidSchema(schema);
  const sdl = printSchema(schema);
  process.stdout.write(JSON.stringify({ types: Object.keys(schema.getTypeMap()).length, sdlBytes: sdl.length }));
});
